// The API client: microversion header, identity (a Keystone token or the noauth headers),
// error bodies turned into ApiError with the server's detail verbatim, `next` pagination.
const SESSION_KEY = "magnum.session";

export class ApiError extends Error {
  constructor(status, detail, title) {
    super(detail || title || ("HTTP " + status));
    this.status = status;
    this.detail = detail || "";
    this.title = title || "";
  }
}

// The session lives in sessionStorage only (never a cookie): {mode, token?, project, user,
// roles, userId?, projectName?, expires?}. Closing the tab or signing out forgets it.
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch (e) {
    return null;
  }
}

export function saveSession(s) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

export function isAdmin() {
  const s = session();
  return !!s && (s.roles || []).includes("admin");
}

// The API's origin: this page's own (the dashboard is served by the API), or for development
// the `api` query argument of the page (http://127.0.0.1:9511), kept for the session.
export function apiBase() {
  const q = new URLSearchParams(location.search).get("api");
  if (q) sessionStorage.setItem("magnum.api", q.replace(/\/+$/, ""));
  return sessionStorage.getItem("magnum.api") || "";
}

export function authHeaders(s = session()) {
  const h = {};
  if (!s) return h;
  if (s.mode === "keystone") {
    h["X-Auth-Token"] = s.token;
  } else {
    if (s.project) h["X-Project-Id"] = s.project;
    if (s.user) h["X-User-Id"] = s.user;
    h["X-Roles"] = (s.roles || []).join(",");
  }
  return h;
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

async function errorFrom(resp) {
  let detail = "";
  let title = "";
  const text = await resp.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    const e = body.errors && body.errors[0];
    if (e) {
      detail = e.detail || "";
      title = e.title || "";
    } else if (body.error) {
      detail = body.error.message || "";
      title = body.error.title || "";
    }
  } catch (x) {
    detail = text.slice(0, 500);
  }
  return new ApiError(resp.status, detail, title || resp.statusText);
}

// One request: `path` starts with /v1. Returns the parsed JSON (null for 204).
export async function request(method, path, body, extra = {}) {
  const headers = Object.assign(
      {"Accept": "application/json", "OpenStack-API-Version": "container-infra latest"},
      authHeaders(), extra.headers || {});
  const init = {method, headers, cache: "no-store", signal: extra.signal};
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(apiBase() + path, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "The API could not be reached: " + e.message, "Network error");
  }
  if (resp.status === 401 && !extra.noRedirect) onUnauthorized();
  if (!resp.ok) throw await errorFrom(resp);
  if (resp.status === 204) return null;
  const text = await resp.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path, extra) => request("GET", path, undefined, extra);
export const post = (path, body, extra) => request("POST", path, body === undefined ? {} : body, extra);
export const patch = (path, ops, extra) => request("PATCH", path, ops, extra);
export const del = (path, extra) => request("DELETE", path, undefined, extra);

// Every page of a collection: follows `next` (same origin path) until a page is not full.
// `onPage` sees the items gathered so far after each page (first paint before the last page).
export async function getAll(path, key, onPage, extra) {
  let items = [];
  let next = path;
  while (next) {
    const body = await get(next, extra);
    items = items.concat(body[key] || []);
    if (onPage) onPage(items, !!body.next);
    next = null;
    if (body.next) {
      const u = new URL(body.next, location.href);
      next = u.pathname.replace(/^.*?(\/v1\/)/, "/v1/") + u.search;
    }
  }
  return items;
}

// How this API authenticates: "noauth" when an identity-less request is answered, else
// "keystone" (signing in goes through the API: signIn below).
export async function detectMode() {
  const resp = await fetch(apiBase() + "/v1/clustertemplates?limit=1", {
    headers: {"Accept": "application/json", "OpenStack-API-Version": "container-infra latest"},
    cache: "no-store",
  });
  if (resp.status === 401) return {mode: "keystone"};
  return {mode: "noauth"};
}

// Keystone sign-in through the API (POST /dashboard/session: the page may only talk to its
// own origin). Resolves with the session to keep; a refusal is an ApiError carrying the API's
// detail verbatim ("The username, password or project is wrong.", Keystone unavailable, ...).
export async function signIn(username, password, project, userDomain, projectDomain) {
  const body = {username, password, project_name: project,
                user_domain_name: userDomain || "Default",
                project_domain_name: projectDomain || "Default"};
  let resp;
  try {
    resp = await fetch(apiBase() + "/dashboard/session", {
      method: "POST", cache: "no-store", credentials: "omit",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify(body)});
  } catch (e) {
    throw new ApiError(0, "The API could not be reached: " + e.message, "Network error");
  }
  if (resp.status !== 201) throw await errorFrom(resp);
  const t = await resp.json();
  return {mode: "keystone", token: t.token, expires: t.expires_at, user: t.user.name,
          userId: t.user.id, project: t.project.id, projectName: t.project.name,
          roles: t.roles || []};
}

// Revokes the session's Keystone token (DELETE /dashboard/session). Resolves with null, or
// the ApiError when the API could not revoke it; the caller forgets the session either way.
export async function signOut(s = session()) {
  if (!s || s.mode !== "keystone" || !s.token) return null;
  try {
    const resp = await fetch(apiBase() + "/dashboard/session", {
      method: "DELETE", cache: "no-store", credentials: "omit",
      headers: {"X-Auth-Token": s.token, "Accept": "application/json"}});
    if (resp.ok || resp.status === 401) return null;  // 401: the token was already invalid
    return await errorFrom(resp);
  } catch (e) {
    return new ApiError(0, "The API could not be reached: " + e.message, "Network error");
  }
}

// True when the Keystone token of the session has passed its expiry.
export function expired(s = session()) {
  if (!s || s.mode !== "keystone" || !s.expires) return false;
  const t = Date.parse(s.expires);
  return !Number.isNaN(t) && t <= Date.now();
}
