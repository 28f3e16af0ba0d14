// DOM helpers (no innerHTML: every text goes in as text), notices, dialogs, formatting.

// h("button", {class: "x", onclick: fn, "aria-label": "…"}, "text", child…)
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// The page's status line (polite) and alert area (assertive).
export function status(text) {
  const el = document.getElementById("status");
  if (el) el.textContent = text || "";
}

// Says `text` while a page loads; the function returned puts back what the line said before
// (a message the route brought, "Template … deleted", outlives the loading).
export function loadingStatus(text) {
  const el = document.getElementById("status");
  const before = el ? el.textContent : "";
  status(text);
  return () => status(before);
}

export function alertBox(err, context) {
  const detail = err && err.detail !== undefined ? (err.detail || err.message) : String(err);
  return h("div", {class: "alert", role: "alert"},
           context ? h("strong", {}, context + ": ") : null,
           h("span", {class: "detail", "data-status": err && err.status}, detail));
}

export function showError(container, err, context) {
  const box = alertBox(err, context);
  container.querySelectorAll(":scope > .alert").forEach((e) => e.remove());
  container.prepend(box);
  box.scrollIntoView({block: "nearest"});
  status("");
  return box;
}

// Runs `fn` with `button` disabled and its label replaced by `busyText`; the status line
// says what is happening; a failure goes to `errorTarget` (verbatim API detail).
export async function busy(button, busyText, fn, errorTarget, context) {
  const label = button ? button.textContent : "";
  if (button) {
    button.disabled = true;
    button.textContent = busyText;
    button.setAttribute("aria-busy", "true");
  }
  status(busyText);
  try {
    const r = await fn();
    status("");
    return r;
  } catch (e) {
    if (errorTarget) showError(errorTarget, e, context);
    else status("Failed: " + (e.detail || e.message));
    throw e;
  } finally {
    if (button) {
      button.disabled = false;
      button.textContent = label;
      button.removeAttribute("aria-busy");
    }
  }
}

// A modal <dialog> with a form; `build(form)` fills it; resolves with submit(form)'s
// value, or null when cancelled. submit may throw: the error is shown inside the dialog.
export function formDialog(title, build, submit, okText = "OK", okClass = "primary") {
  return new Promise((resolve) => {
    const form = h("form", {method: "dialog", novalidate: true});
    const ok = h("button", {type: "submit", class: okClass}, okText);
    const cancel = h("button", {type: "button"}, "Cancel");
    const titleId = "dlg-" + Math.random().toString(36).slice(2);
    const dlg = h("dialog", {"aria-labelledby": titleId},
                  h("h2", {id: titleId}, title), form);
    build(form);
    form.append(h("div", {class: "actions"}, ok, cancel));
    // Resolved in the same task that closes the dialog: the "close" event comes in a later
    // task, and what the caller does with the result (go to a page) must not land after
    // whatever the user did once the dialog was gone.
    const done = (result) => {
      if (dlg.open) dlg.close();
      dlg.remove();
      resolve(result);
    };
    cancel.addEventListener("click", () => done(null));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      form.querySelectorAll(":scope > .alert").forEach((e) => e.remove());
      try {
        const result = await busy(ok, okText + "…", () => submit(form), form);
        if (result !== undefined) done(result);
      } catch (e) { /* shown in the dialog */ }
    });
    dlg.addEventListener("close", () => done(null));  // Escape
    document.body.append(dlg);
    dlg.showModal();
    const first = form.querySelector("input, select, textarea, button");
    if (first) first.focus();
  });
}

export function confirmDialog(title, text, okText = "Delete") {
  return formDialog(title, (f) => f.append(h("p", {}, text)), async () => true, okText, "danger");
}

// A labelled field; `input` is an <input>/<select>/<textarea>; `hint` is described-by.
let fieldSeq = 0;
export function field(label, input, hint) {
  const id = input.id || ("f" + (++fieldSeq));
  input.id = id;
  const parts = [h("label", {for: id}, label), input];
  if (hint) {
    const hid = id + "-hint";
    input.setAttribute("aria-describedby", hid);
    parts.push(h("small", {id: hid, class: "hint"}, hint));
  }
  parts.push(h("span", {class: "field-error", id: id + "-err", "aria-live": "polite"}));
  return h("div", {class: "field"}, parts);
}

export function checkbox(label, input) {
  const id = input.id || ("f" + (++fieldSeq));
  input.id = id;
  return h("div", {class: "field check"}, input, h("label", {for: id}, label));
}

// Marks invalid fields: errors = {inputName: message}; returns true when there are none.
export function showFieldErrors(form, errors) {
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  form.querySelectorAll(".field-error").forEach((e) => (e.textContent = ""));
  let first = null;
  for (const [name, msg] of Object.entries(errors)) {
    const input = form.elements[name];
    if (!input) continue;
    input.setAttribute("aria-invalid", "true");
    const err = document.getElementById(input.id + "-err");
    if (err) err.textContent = msg;
    first = first || input;
  }
  if (first) first.focus();
  return !first;
}

export function statusClass(s) {
  if (!s) return "st-none";
  if (s.endsWith("_COMPLETE")) return "st-ok";
  if (s.endsWith("_IN_PROGRESS")) return "st-busy";
  if (s.endsWith("_FAILED")) return "st-fail";
  return "st-none";
}

export function statusBadge(s) {
  return h("span", {class: "badge " + statusClass(s)}, s || "—");
}

export function healthBadge(s, prefix = "") {
  const cls = s === "HEALTHY" ? "st-ok" : s === "UNHEALTHY" ? "st-fail" : "st-none";
  return h("span", {class: "badge " + cls}, prefix + (s || "UNKNOWN"));
}

export function fmtTime(t) {
  if (!t) return "—";
  const d = new Date(t);
  return isNaN(d) ? t : d.toLocaleString();
}

export function fmtValue(v) {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (Array.isArray(v)) return v.length ? v.join(", ") : "—";
  if (typeof v === "object") {
    const entries = Object.entries(v);
    return entries.length ? entries.map(([k, x]) => k + "=" + x).join(", ") : "—";
  }
  return String(v);
}

export function dl(pairs) {
  return h("dl", {class: "props"},
           pairs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v instanceof Node ? v : fmtValue(v))]));
}

// "a=1, b=2" or one per line → {a: "1", b: "2"}; throws on a bad entry.
export function parseLabels(text) {
  const out = {};
  for (const part of (text || "").split(/[,\n]/)) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf("=");
    if (eq <= 0) throw new Error("Labels are key=value pairs separated by commas: \"" + p + "\"");
    out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}

export function labelsText(obj) {
  return Object.entries(obj || {}).map(([k, v]) => k + "=" + v).join(", ");
}

// A download link for text content (a Blob URL, revoked when the page changes).
export function downloadLink(filename, text, label) {
  const url = URL.createObjectURL(new Blob([text], {type: "application/octet-stream"}));
  return h("a", {href: url, download: filename, class: "button", "data-file": filename},
           label || filename);
}
