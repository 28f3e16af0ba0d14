// Cluster templates: list (search, sort, badges), details, create (every field, the API's
// validation mirrored), update (JSON-patch of what changed), delete.
import * as api from "./api.js";
import {h, clear, busy, showError, field, checkbox, showFieldErrors, confirmDialog, formDialog,
        dl, fmtTime, parseLabels, labelsText, loadingStatus} from "./ui.js";
import {go} from "./app.js";

// [name, label, kind, hint]; kind: text | int | bool | select:<a|b> | labels
export const FIELDS = [
  ["name", "Name", "text", "1–255 characters; generated when empty"],
  ["coe", "Container orchestration engine", "select:kubernetes|swarm-mode|swarm|mesos"],
  ["image_id", "Image", "text", "required: an image the driver knows (Glance name or id)"],
  ["server_type", "Server type", "select:vm|bm|container"],
  ["driver", "Driver", "text", "empty: resolved from the image"],
  ["flavor_id", "Node flavor", "text"],
  ["master_flavor_id", "Master flavor", "text"],
  ["keypair_id", "Keypair", "text"],
  ["external_network_id", "External network", "text"],
  ["fixed_network", "Fixed network", "text"],
  ["fixed_subnet", "Fixed subnet", "text"],
  ["network_driver", "Network driver", "text", "e.g. flannel, calico; empty: the default"],
  ["volume_driver", "Volume driver", "select:|cinder"],
  ["dns_nameserver", "DNS nameservers", "text", "comma-separated IPv4 addresses"],
  ["apiserver_port", "API server port", "int", "1024–65535"],
  ["docker_volume_size", "Docker volume size (GB)", "int", "at least 1 (3 for devicemapper)"],
  ["docker_storage_driver", "Docker storage driver", "text"],
  ["http_proxy", "HTTP proxy", "text"],
  ["https_proxy", "HTTPS proxy", "text"],
  ["no_proxy", "No proxy", "text"],
  ["insecure_registry", "Insecure registry", "text"],
  ["labels", "Labels", "labels", "key=value, comma-separated"],
  ["tags", "Tags", "text", "comma-separated, up to 255 characters"],
  ["registry_enabled", "Registry enabled", "bool"],
  ["tls_disabled", "TLS disabled", "bool"],
  ["master_lb_enabled", "Master load balancer", "bool"],
  ["floating_ip_enabled", "Floating IPs", "bool"],
  ["public", "Public", "bool"],
  ["hidden", "Hidden", "bool"],
];
const DEFAULTS = {coe: "kubernetes", server_type: "vm", floating_ip_enabled: true};

const CONTROL = /[\u0000-\u001f\u007f]/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

// The API's rules (api-v1.md §2.1, §5) checked before sending: {field: message}.
export function validateTemplate(v) {
  const e = {};
  for (const [name, , kind] of FIELDS) {
    const x = v[name];
    if (kind === "text" && typeof x === "string") {
      if (x.length > 255) e[name] = "At most 255 characters.";
      else if (CONTROL.test(x)) e[name] = "No control characters.";
    }
  }
  if (!v.image_id) e.image_id = "The image is mandatory.";
  if (v.tags && v.tags.length > 255) e.tags = "At most 255 characters.";
  const int = (name, min, max) => {
    const x = v[name];
    if (x === undefined) return;
    if (!Number.isInteger(x) || x < min || (max !== undefined && x > max)) {
      e[name] = max !== undefined ? `An integer from ${min} to ${max}.` : `An integer of at least ${min}.`;
    }
  };
  int("apiserver_port", 1024, 65535);
  int("docker_volume_size", 1);
  if (v.docker_storage_driver === "devicemapper" && v.docker_volume_size !== undefined &&
      v.docker_volume_size < 3) {
    e.docker_volume_size = "devicemapper needs at least 3 GB.";
  }
  if (v.dns_nameserver) {
    const bad = v.dns_nameserver.split(",").map((s) => s.trim()).find((s) => !IPV4.test(s));
    if (bad !== undefined) e.dns_nameserver = `"${bad}" is not an IPv4 address.`;
  }
  if (v.volume_driver && v.volume_driver !== "cinder") e.volume_driver = "Only cinder.";
  if (v.labels && v.labels.boot_volume_size !== undefined && !/^\d+$/.test(v.labels.boot_volume_size)) {
    e.labels = "boot_volume_size must be an integer.";
  }
  return e;
}

function input(name, kind, value) {
  if (kind === "bool") return h("input", {type: "checkbox", name, checked: !!value});
  if (kind.startsWith("select:")) {
    return h("select", {name}, kind.slice(7).split("|").map(
        (o) => h("option", {value: o, selected: (value || "") === o}, o || "(none)")));
  }
  if (kind === "labels") return h("textarea", {name, rows: 2}, labelsText(value));
  return h("input", {name, value: value === null || value === undefined ? "" : String(value),
                     inputmode: kind === "int" ? "numeric" : undefined, autocomplete: "off"});
}

function buildForm(form, values) {
  const fields = h("div", {class: "grid"});
  const checks = h("fieldset", {class: "checks"}, h("legend", {}, "Options"));
  for (const [name, label, kind, hint] of FIELDS) {
    const el = input(name, kind, values[name]);
    if (kind === "bool") checks.append(checkbox(label, el));
    else fields.append(field(label + (name === "image_id" ? " *" : ""), el, hint));
    if (name === "image_id") el.required = true;
  }
  form.append(fields, checks);
}

// Form → values; label parse errors reported as a field error.
function readForm(form) {
  const v = {};
  const errors = {};
  for (const [name, , kind] of FIELDS) {
    const el = form.elements[name];
    if (kind === "bool") v[name] = el.checked;
    else if (kind === "labels") {
      try {
        v[name] = parseLabels(el.value);
      } catch (e) {
        errors[name] = e.message;
      }
    } else if (kind === "int") {
      const t = el.value.trim();
      if (t !== "") v[name] = /^-?\d+$/.test(t) ? Number(t) : NaN;
    } else {
      const t = el.value.trim();
      if (t !== "") v[name] = t;
    }
  }
  return {values: v, errors: Object.assign(validateTemplate(v), errors)};
}

export async function templateCreatePage(el) {
  clear(el, h("p", {}, h("a", {href: "#/templates"}, "← Cluster templates")),
        h("h1", {}, "New cluster template"));
  const form = h("form", {class: "card", novalidate: true, "aria-label": "New cluster template"});
  buildForm(form, DEFAULTS);
  const submit = h("button", {type: "submit", class: "primary"}, "Create template");
  form.append(h("div", {class: "actions"}, submit, h("a", {href: "#/templates", class: "button"}, "Cancel")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    form.querySelectorAll(":scope > .alert").forEach((e) => e.remove());
    const {values, errors} = readForm(form);
    if (!showFieldErrors(form, errors)) return;
    try {
      const t = await busy(submit, "Creating…", () => api.post("/v1/clustertemplates", values),
                           form, "The API refused the template");
      go("/templates/" + t.uuid, "Template " + t.name + " created");
    } catch (e) { /* shown */ }
  });
  el.append(form);
}

// The JSON-patch turning `old` into `values` (changed fields only; labels as one literal).
export function templatePatch(old, values) {
  const ops = [];
  for (const [name, , kind] of FIELDS) {
    const was = old[name];
    const now = values[name];
    if (kind === "labels") {
      if (JSON.stringify(was || {}) !== JSON.stringify(now || {})) {
        ops.push({op: "replace", path: "/labels", value: JSON.stringify(now || {})});
      }
      continue;
    }
    const same = (was === null || was === undefined ? undefined : was) === now;
    if (same) continue;
    if (now === undefined) ops.push({op: "remove", path: "/" + name});
    else ops.push({op: "replace", path: "/" + name, value: now});
  }
  return ops;
}

const templateHref = (t) => "#/templates/" + t.uuid;

export async function templatesPage(el) {
  const search = h("input", {type: "search", id: "tmpl-search", placeholder: "name, COE, image…"});
  const table = h("table", {class: "list", "aria-describedby": "tmpl-count"});
  const count = h("p", {id: "tmpl-count", class: "muted", "aria-live": "polite"});
  clear(el, h("div", {class: "titlebar"}, h("h1", {}, "Cluster templates"),
              h("a", {href: "#/templates/new", class: "button primary"}, "New template")),
        h("div", {class: "toolbar"}, h("label", {for: "tmpl-search"}, "Search"), search), count, table);
  const loaded = loadingStatus("Loading templates…");
  const items = await api.getAll("/v1/clustertemplates?limit=1000", "clustertemplates");
  loaded();
  const cols = [["name", "Name"], ["coe", "COE"], ["image_id", "Image"], ["server_type", "Server"],
                ["network_driver", "Network"], ["created_at", "Created"]];
  let sortKey = "name";
  let dir = 1;
  function render() {
    const q = search.value.trim().toLowerCase();
    const rows = items.filter((t) => !q || [t.name, t.coe, t.image_id, t.tags, t.uuid]
                                              .some((x) => (x || "").toLowerCase().includes(q)))
        .sort((a, b) => dir * String(a[sortKey] || "").localeCompare(String(b[sortKey] || "")));
    count.textContent = rows.length + " of " + items.length + " templates";
    clear(table,
          h("thead", {}, h("tr", {}, cols.map(([k, t]) => h("th", {
            scope: "col", "aria-sort": k === sortKey ? (dir > 0 ? "ascending" : "descending") : "none"},
            h("button", {type: "button", class: "sort", onclick: () => {
              dir = k === sortKey ? -dir : 1;
              sortKey = k;
              render();
            }}, t, k === sortKey ? (dir > 0 ? " ▲" : " ▼") : ""))), h("th", {scope: "col"}, "Flags"))),
          h("tbody", {}, rows.map((t) => h("tr", {"data-uuid": t.uuid},
              h("td", {}, h("a", {href: templateHref(t)}, t.name)), h("td", {}, t.coe),
              h("td", {}, t.image_id), h("td", {}, t.server_type), h("td", {}, t.network_driver || "—"),
              h("td", {}, fmtTime(t.created_at)),
              h("td", {}, t.public ? h("span", {class: "badge st-info"}, "public") : null,
                t.hidden ? h("span", {class: "badge st-none"}, "hidden") : null)))));
    if (!rows.length) table.append(h("caption", {}, items.length ? "No template matches." : "No templates yet."));
  }
  search.addEventListener("input", render);
  render();
}

export async function templatePage(el, ident) {
  const t = await api.get("/v1/clustertemplates/" + encodeURIComponent(ident));
  const edit = h("button", {type: "button"}, "Edit");
  const remove = h("button", {type: "button", class: "danger"}, "Delete");
  const actions = h("div", {class: "actions"},
                    h("a", {href: "#/clusters/new?template=" + t.uuid, class: "button primary"},
                      "Create a cluster"), edit, remove);
  clear(el, h("p", {}, h("a", {href: "#/templates"}, "← Cluster templates")),
        h("div", {class: "titlebar"}, h("h1", {}, t.name),
          t.public ? h("span", {class: "badge st-info"}, "public") : null,
          t.hidden ? h("span", {class: "badge st-none"}, "hidden") : null),
        actions,
        dl([["UUID", t.uuid], ...FIELDS.filter(([n]) => n !== "name").map(([n, l]) => [l, t[n]]),
            ["Cluster distro", t.cluster_distro], ["Project", t.project_id], ["User", t.user_id],
            ["Created", fmtTime(t.created_at)], ["Updated", fmtTime(t.updated_at)]]));
  remove.addEventListener("click", async () => {
    if (!await confirmDialog("Delete template " + t.name + "?",
                             "The template is deleted; clusters made from it must be deleted first.")) return;
    try {
      await busy(remove, "Deleting…", () => api.del("/v1/clustertemplates/" + t.uuid), el,
                 "The API refused the delete");
      go("/templates", "Template " + t.name + " deleted");
    } catch (e) { /* shown */ }
  });
  edit.addEventListener("click", async () => {
    const r = await formDialog("Edit " + t.name, (f) => buildForm(f, t), async (f) => {
      const {values, errors} = readForm(f);
      if (!showFieldErrors(f, errors)) return undefined;
      const ops = templatePatch(t, values);
      if (!ops.length) return t;
      return api.patch("/v1/clustertemplates/" + t.uuid, ops);
    }, "Save");
    if (r) {
      go("/templates/" + r.uuid, "Template " + r.name + " saved");
    }
  });
}

export {templateHref};
