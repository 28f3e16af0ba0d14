// The shell: header (navigation, identity control, sign-out), hash router, sign-in page.
import * as api from "./api.js";
import {h, clear, status, showError, busy, field, checkbox} from "./ui.js";
import {templatesPage, templatePage, templateCreatePage} from "./templates.js";
import {clustersPage, clusterPage, clusterCreatePage} from "./clusters.js";
import {adminPage, servicesPage} from "./admin.js";

const ROLES = ["admin", "member", "reader"];
const main = () => document.getElementById("main");
let cleanup = null;
// A message for the next sign-in page (signed out, token expired), shown once.
let notice = "";

const routes = [
  [/^\/signin$/, signinPage],
  [/^\/clusters$/, clustersPage],
  [/^\/clusters\/new$/, clusterCreatePage],
  [/^\/clusters\/([^/]+)$/, clusterPage],
  [/^\/templates$/, templatesPage],
  [/^\/templates\/new$/, templateCreatePage],
  [/^\/templates\/([^/]+)$/, templatePage],
  [/^\/admin$/, adminPage],
  [/^\/services$/, servicesPage],
];

// The query of the current route (#/clusters/new?template=…).
export function query() {
  return new URLSearchParams(location.hash.split("?")[1] || "");
}

// Goes to `path`; `message`, if any, is announced in the status line once the route has
// cleared it (the line is emptied on every route change, so a message set before `go` would
// be lost).
let message = "";
export function go(path, msg = "") {
  message = msg;
  if (location.hash === "#" + path) route();
  else location.hash = "#" + path;
}

async function route() {
  if (cleanup) {
    try { cleanup(); } catch (e) { /* page already gone */ }
    cleanup = null;
  }
  let path = decodeURIComponent(location.hash.replace(/^#/, "").split("?")[0]) || "/clusters";
  if (api.expired()) expire();
  if (!api.session() && path !== "/signin") path = "/signin";
  renderHeader();
  // Each route renders into its own element: a page still awaiting the API when the route
  // changes (a 401 that sent the page to the sign-in form, a click elsewhere) then writes
  // into a detached element instead of over the page that replaced it.
  const el = h("div", {class: "page"}, h("p", {class: "loading"}, "Loading…"));
  clear(main(), el);
  status(message);
  message = "";
  for (const [re, page] of routes) {
    const m = re.exec(path);
    if (!m) continue;
    document.querySelectorAll("nav a").forEach((a) => {
      const here = path.startsWith(a.getAttribute("href").slice(1));
      if (here) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
    try {
      const r = await page(el, ...m.slice(1));
      if (typeof r === "function") {
        if (el.isConnected) cleanup = r;
        else r();  // superseded while loading: stop its timers and streams now
      }
    } catch (e) {
      clear(el);
      showError(el, e, "This page could not be loaded");
    }
    if (!el.isConnected) return;
    const h1 = el.querySelector("h1");
    if (h1) {
      document.title = h1.textContent + " · Magnum";
      h1.setAttribute("tabindex", "-1");
      if (!el.contains(document.activeElement)) h1.focus({preventScroll: true});
    }
    return;
  }
  clear(el, h("h1", {}, "Not found"), h("p", {}, "No page at " + path + "."));
}

// Header: navigation when signed in; the noauth identity control (project, user, roles)
// or the Keystone user; sign out.
function renderHeader() {
  const s = api.session();
  const nav = document.getElementById("nav");
  const who = document.getElementById("identity");
  clear(nav);
  clear(who);
  if (!s) return;
  const links = [["#/clusters", "Clusters"], ["#/templates", "Cluster templates"]];
  if (api.isAdmin()) links.push(["#/admin", "Quotas & stats"], ["#/services", "Services"]);
  nav.append(h("ul", {}, links.map(([href, t]) => h("li", {}, h("a", {href}, t)))));
  const out = h("button", {type: "button", class: "link", onclick: signOut}, "Sign out");
  if (s.mode === "keystone") {
    who.append(h("span", {class: "who"}, s.user + " @ " + (s.projectName || s.project) +
                                         " (" + s.roles.join(", ") + ")"), out);
    return;
  }
  // noauth: change project and roles in place.
  const project = h("input", {name: "project", value: s.project, size: 12, required: true,
                              autocomplete: "off"});
  const roles = h("select", {name: "roles"},
                  [["admin,member,reader", "admin"], ["member,reader", "member"], ["reader", "reader"]]
                      .map(([v, t]) => h("option", {value: v, selected: s.roles.join(",") === v}, t)));
  const form = h("form", {class: "idform", "aria-label": "Identity (no authentication)"},
                 h("label", {for: "hdr-project"}, "Project"), project,
                 h("label", {for: "hdr-roles"}, "Role"), roles,
                 h("button", {type: "submit"}, "Switch"));
  project.id = "hdr-project";
  roles.id = "hdr-roles";
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const p = project.value.trim();
    if (!p) return project.focus();
    api.saveSession(Object.assign(s, {project: p, roles: roles.value.split(",")}));
    await route();
    status("Now acting as project " + p);
  });
  who.append(form, out);
}

// Keystone: the API revokes the token first; the session is forgotten whatever it says.
async function signOut(ev) {
  const button = ev && ev.currentTarget;
  const s = api.session();
  let failed = null;
  if (s && s.mode === "keystone") {
    if (button) {
      button.disabled = true;
      button.textContent = "Signing out…";
    }
    status("Signing out…");
    failed = await api.signOut(s);
  }
  api.clearSession();
  notice = failed ? "Signed out here, but the token could not be revoked: " +
                    (failed.detail || failed.message)
                  : (s && s.mode === "keystone" ? "Signed out." : "");
  go("/signin");
}

// The Keystone token is no longer accepted (expired or revoked): back to the sign-in form.
function expire() {
  api.clearSession();
  notice = "Your session has expired or was revoked. Sign in again.";
}

async function signinPage(el) {
  clear(el, h("h1", {}, "Sign in"), h("p", {}, "Finding out how this API authenticates…"));
  let info;
  try {
    info = await api.detectMode();
  } catch (e) {
    clear(el, h("h1", {}, "Sign in"));
    showError(el, {detail: "The API could not be reached: " + e.message});
    return;
  }
  clear(el, h("h1", {}, "Sign in"));
  if (notice) {
    el.append(h("p", {class: "notice", id: "signin-notice", role: "status"}, notice));
    notice = "";
  }
  const form = h("form", {class: "card narrow", novalidate: true});
  if (info.mode === "noauth") {
    el.append(h("p", {}, "This API runs without authentication (the embedded mode): choose the " +
                         "project and role the dashboard acts as. They are sent as the " +
                         "X-Project-Id, X-User-Id and X-Roles headers."));
    const project = h("input", {name: "project", value: "default", required: true, autocomplete: "off"});
    const user = h("input", {name: "user", value: "admin", autocomplete: "off"});
    const roles = h("fieldset", {}, h("legend", {}, "Roles"),
                    ROLES.map((r) => checkbox(r, h("input", {type: "checkbox", name: "role",
                                                             value: r, checked: true}))));
    form.append(field("Project id", project), field("User id", user), roles,
                h("div", {class: "actions"}, h("button", {type: "submit", class: "primary"}, "Continue")));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const p = project.value.trim();
      if (!p) {
        project.setAttribute("aria-invalid", "true");
        return project.focus();
      }
      const rs = [...form.querySelectorAll("input[name=role]:checked")].map((i) => i.value);
      api.saveSession({mode: "noauth", project: p, user: user.value.trim() || "admin", roles: rs});
      go("/clusters");
    });
  } else {
    el.append(h("p", {}, "Sign in with your OpenStack (Keystone) account. The API asks " +
                         "Keystone for a token scoped to the project; the token is kept in " +
                         "this tab's session storage only and revoked when you sign out."));
    const user = h("input", {name: "username", required: true, autocomplete: "username"});
    const pw = h("input", {name: "password", type: "password", required: true,
                           autocomplete: "current-password"});
    const project = h("input", {name: "project", required: true, autocomplete: "off"});
    const userDomain = h("input", {name: "user_domain", value: "Default", required: true});
    const projectDomain = h("input", {name: "project_domain", value: "Default", required: true});
    const submit = h("button", {type: "submit", class: "primary"}, "Sign in");
    form.append(field("User name", user), field("Password", pw), field("Project name", project),
                field("User domain", userDomain), field("Project domain", projectDomain),
                h("div", {class: "actions"}, submit));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      for (const i of [user, pw, project, userDomain, projectDomain]) {
        i.removeAttribute("aria-invalid");
        if (!(i === pw ? i.value : i.value.trim())) {
          i.setAttribute("aria-invalid", "true");
          return i.focus();
        }
      }
      try {
        const s = await busy(submit, "Signing in…", () => api.signIn(
            user.value.trim(), pw.value, project.value.trim(), userDomain.value.trim(),
            projectDomain.value.trim()), form, "Sign-in failed");
        pw.value = "";
        api.saveSession(s);
        go("/clusters");
      } catch (e) {
        pw.focus();
      }
    });
  }
  el.append(form);
  form.querySelector("input").focus();
}

api.setUnauthorizedHandler(() => {
  const s = api.session();
  if (s && s.mode === "keystone") {
    expire();
    go("/signin");
  }
});

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => {
  api.apiBase();
  route();
});
