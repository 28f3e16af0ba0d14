// Clusters: live list, create wizard, details (nodegroups, addresses, faults, the events
// timeline with its progress bar), resize, upgrade, nodegroups, client config, delete.
import * as api from "./api.js";
import {h, clear, busy, showError, field, checkbox, showFieldErrors, confirmDialog, formDialog,
        dl, fmtTime, fmtValue, parseLabels, statusBadge, healthBadge, statusClass, status, loadingStatus,
        downloadLink} from "./ui.js";
import {go, query} from "./app.js";
import {watchCluster} from "./live.js";
import {clusterConfig} from "./certs.js";

const LIST_POLL_MS = 5000;
const NAME_RE = /^[a-zA-Z][a-zA-Z0-9_.-]*$/;

async function templateMap() {
  const ts = await api.getAll("/v1/clustertemplates?limit=1000", "clustertemplates");
  return new Map(ts.map((t) => [t.uuid, t]));
}

// ---- list ------------------------------------------------------------------------------

export async function clustersPage(el) {
  const search = h("input", {type: "search", id: "cl-search", placeholder: "name or status"});
  const tbody = h("tbody");
  const count = h("p", {id: "cl-count", class: "muted", "aria-live": "polite"});
  const table = h("table", {class: "list", id: "clusters"},
                  h("thead", {}, h("tr", {}, ["Name", "Status", "Health", "Template", "Masters",
                                              "Nodes", "Keypair"].map((t) => h("th", {scope: "col"}, t)))),
                  tbody);
  clear(el, h("div", {class: "titlebar"}, h("h1", {}, "Clusters"),
              h("a", {href: "#/clusters/new", class: "button primary"}, "New cluster")),
        h("div", {class: "toolbar"}, h("label", {for: "cl-search"}, "Search"), search), count, table);
  const rows = new Map();  // uuid → {tr, cells, data}
  let templates = new Map();
  let stopped = false;
  let timer = null;

  function setRow(c) {
    let r = rows.get(c.uuid);
    const tname = (templates.get(c.cluster_template_id) || {}).name || c.cluster_template_id;
    const vals = [c.status, c.health_status, tname, c.master_count, c.node_count, c.keypair];
    if (!r) {
      const cells = vals.map(() => h("td"));
      const tr = h("tr", {"data-uuid": c.uuid},
                   h("th", {scope: "row"}, h("a", {href: "#/clusters/" + c.uuid}, c.name)), cells);
      r = {tr, cells, key: ""};
      rows.set(c.uuid, r);
    }
    const key = JSON.stringify(vals);
    if (key === r.key) return r;
    r.key = key;
    r.data = c;
    r.tr.dataset.status = c.status || "";
    clear(r.cells[0], statusBadge(c.status));
    clear(r.cells[1], healthBadge(c.health_status));
    r.cells[2].textContent = tname || "—";
    r.cells[3].textContent = c.master_count;
    r.cells[4].textContent = c.node_count;
    r.cells[5].textContent = c.keypair || "—";
    return r;
  }

  function filter() {
    const q = search.value.trim().toLowerCase();
    let shown = 0;
    for (const r of rows.values()) {
      const hit = !q || r.data.name.toLowerCase().includes(q) ||
                  (r.data.status || "").toLowerCase().includes(q);
      r.tr.hidden = !hit;
      if (hit) shown++;
    }
    count.textContent = rows.size ? shown + " of " + rows.size + " clusters" : "No clusters yet.";
  }

  // New rows reach the DOM a screenful first, the rest in chunks over the next frames, so
  // that a list of 1,000 clusters paints its first rows without laying out all of them.
  const queue = [];
  let flushing = false;
  function flush(n) {
    const frag = document.createDocumentFragment();
    frag.append(...queue.splice(0, n));
    tbody.append(frag);
    if (queue.length && !flushing) {
      flushing = true;
      requestAnimationFrame(() => setTimeout(() => {
        flushing = false;
        flush(300);
        if (!queue.length) performance.mark("clusters-all-rendered");
      }, 0));
    }
  }

  function apply(list) {
    const seen = new Set();
    for (const c of list) {
      seen.add(c.uuid);
      const fresh = !rows.has(c.uuid);
      const r = setRow(c);
      if (fresh) queue.push(r.tr);
    }
    flush(60);
    for (const [u, r] of rows) {
      if (!seen.has(u)) {
        r.tr.remove();
        const q = queue.indexOf(r.tr);
        if (q >= 0) queue.splice(q, 1);
        rows.delete(u);
      }
    }
    filter();
  }

  const path = "/v1/clusters?limit=1000&sort_key=name&sort_dir=asc";
  const loaded = loadingStatus("Loading clusters…");
  // The templates (for their names) and the clusters at once; then the rows, a screenful
  // first (apply), the rest over the next frames.
  const [tm, list] = await Promise.all([templateMap().catch(() => new Map()),
                                        api.getAll(path, "clusters")]);
  templates = tm;
  apply(list);
  // Measured by bench/dashboard_firstpaint.py: first rows in the DOM, then on screen.
  performance.mark("clusters-rendered");
  requestAnimationFrame(() => setTimeout(() => performance.mark("clusters-painted"), 0));
  if (!queue.length) performance.mark("clusters-all-rendered");
  loaded();
  table.dataset.loaded = "true";
  search.addEventListener("input", filter);

  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) {
      try {
        apply(await api.getAll(path, "clusters"));
        el.querySelectorAll(":scope > .alert").forEach((e) => e.remove());
      } catch (e) {
        if (!stopped) showError(el, e, "Refreshing the list failed (retrying)");
      }
    }
    if (!stopped) timer = setTimeout(tick, LIST_POLL_MS);
  };
  timer = setTimeout(tick, LIST_POLL_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

// ---- create wizard ---------------------------------------------------------------------

export async function clusterCreatePage(el) {
  const templates = [...(await templateMap()).values()].filter((t) => !t.hidden || api.isAdmin());
  clear(el, h("p", {}, h("a", {href: "#/clusters"}, "← Clusters")), h("h1", {}, "New cluster"));
  if (!templates.length) {
    el.append(h("p", {}, "There is no cluster template yet. ",
                h("a", {href: "#/templates/new"}, "Create one first.")));
    return;
  }
  const want = query().get("template");
  const steps = ["Template", "Size", "Access and labels", "Review"];
  const progress = h("ol", {class: "steps", "aria-label": "Steps"});
  const form = h("form", {class: "card", novalidate: true, "aria-label": "New cluster"});
  const f = (name, attrs) => h("input", Object.assign({name, autocomplete: "off"}, attrs || {}));
  const tmpl = h("select", {name: "cluster_template_id"},
                 templates.map((t) => h("option", {value: t.uuid, selected: t.uuid === want || t.name === want},
                                        t.name + " (" + t.coe + ")")));
  const sets = [
    h("fieldset", {}, h("legend", {}, "1. Template and name"),
      field("Cluster template", tmpl), field("Name", f("name"), "a letter, then letters, digits, _ . -")),
    h("fieldset", {}, h("legend", {}, "2. Size"),
      h("div", {class: "grid"},
        field("Masters", f("master_count", {value: "1", inputmode: "numeric"}), "odd; more than 1 needs a master load balancer"),
        field("Worker nodes", f("node_count", {value: "1", inputmode: "numeric"})),
        field("Master flavor", f("master_flavor_id"), "empty: the template's"),
        field("Node flavor", f("flavor_id"), "empty: the template's"),
        field("Docker volume size (GB)", f("docker_volume_size", {inputmode: "numeric"}), "empty: the template's"))),
    h("fieldset", {}, h("legend", {}, "3. Access and labels"),
      h("div", {class: "grid"},
        field("Keypair", f("keypair"), "empty: the template's"),
        field("Labels", h("textarea", {name: "labels", rows: 2}), "key=value, comma-separated"),
        field("Create timeout (minutes)", f("create_timeout", {value: "60", inputmode: "numeric"}), "0: none")),
      checkbox("Merge labels with the template's", h("input", {type: "checkbox", name: "merge_labels", checked: true}))),
    h("fieldset", {}, h("legend", {}, "4. Review"), h("div", {class: "review"})),
  ];
  const back = h("button", {type: "button"}, "Back");
  const next = h("button", {type: "submit", class: "primary"}, "Next");
  form.append(...sets, h("div", {class: "actions"}, back, next,
                         h("a", {href: "#/clusters", class: "button"}, "Cancel")));
  el.append(progress, form);
  let step = 0;

  function body() {
    const e = form.elements;
    const b = {cluster_template_id: e.cluster_template_id.value, name: e.name.value.trim()};
    const errors = {};
    const int = (name, min, optional) => {
      const t = e[name].value.trim();
      if (t === "" && optional) return;
      if (!/^\d+$/.test(t) || Number(t) < min) errors[name] = "An integer of at least " + min + ".";
      else b[name] = Number(t);
    };
    if (!b.name) errors.name = "A name is required.";
    else if (!NAME_RE.test(b.name) || b.name.length > 242) {
      errors.name = "Start with a letter; then letters, digits, _ . - (at most 242).";
    }
    int("master_count", 1);
    int("node_count", 0);
    int("docker_volume_size", 1, true);
    int("create_timeout", 0, true);
    const t = templates.find((x) => x.uuid === b.cluster_template_id);
    if (b.master_count > 1 && t && !t.master_lb_enabled) {
      errors.master_count = "More than one master needs a template with a master load balancer.";
    }
    for (const n of ["master_flavor_id", "flavor_id", "keypair"]) {
      const v = e[n].value.trim();
      if (v.length > 255) errors[n] = "At most 255 characters.";
      else if (v) b[n] = v;
    }
    try {
      const labels = parseLabels(e.labels.value);
      if (Object.keys(labels).length) {
        b.labels = labels;
        b.merge_labels = e.merge_labels.checked;
      }
    } catch (x) {
      errors.labels = x.message;
    }
    return {b, errors, t};
  }

  function show() {
    sets.forEach((s, i) => (s.hidden = i !== step));
    clear(progress, steps.map((s, i) => h("li", {class: i === step ? "current" : i < step ? "done" : "",
                                                 "aria-current": i === step ? "step" : undefined}, s)));
    back.disabled = step === 0;
    next.textContent = step === steps.length - 1 ? "Create cluster" : "Next";
    if (step === steps.length - 1) {
      const {b, t} = body();
      clear(sets[3].querySelector(".review"),
            dl([["Template", t ? t.name : b.cluster_template_id], ["Name", b.name],
                ["Masters", b.master_count], ["Worker nodes", b.node_count],
                ["Master flavor", b.master_flavor_id || (t && t.master_flavor_id)],
                ["Node flavor", b.flavor_id || (t && t.flavor_id)],
                ["Keypair", b.keypair || (t && t.keypair_id)], ["Labels", b.labels],
                ["Create timeout", b.create_timeout]]));
    }
    const first = sets[step].querySelector("input, select, textarea");
    if (first) first.focus();
  }
  back.addEventListener("click", () => {
    step = Math.max(0, step - 1);
    show();
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const {b, errors} = body();
    // Only the errors of the fields seen so far stop the step.
    const seen = new Set(sets.slice(0, step + 1).flatMap((s) => [...s.querySelectorAll("[name]")].map((i) => i.name)));
    const now = Object.fromEntries(Object.entries(errors).filter(([k]) => seen.has(k)));
    if (!showFieldErrors(form, now)) return;
    if (step < steps.length - 1) {
      step++;
      return show();
    }
    form.querySelectorAll(":scope > .alert").forEach((e) => e.remove());
    try {
      const r = await busy(next, "Creating…", () => api.post("/v1/clusters", b), form,
                           "The API refused the cluster");
      go("/clusters/" + r.uuid, "Cluster " + b.name + " is being created");
    } catch (e) { /* shown */ }
  });
  show();
}

// ---- details ---------------------------------------------------------------------------

const OPS = ["create", "update", "resize", "upgrade", "delete", "rotate_ca", "nodegroup_create",
             "nodegroup_update", "nodegroup_delete"];

// Progress of the running operation from its events: an estimate of the events it will
// write (create: start, certificates, network, each node, control plane, end).
function estimate(cluster, opEvents) {
  const start = opEvents[0];
  if (!start) return 1;
  const nodes = (cluster.master_count || 0) + (cluster.node_count || 0);
  const m = /from (\d+) to (\d+)/.exec(start.message || "");
  switch (start.step) {
    case "create": return 5 + nodes;
    case "delete": return 3 + nodes;
    case "resize": return 3 + (m ? Math.abs(m[2] - m[1]) : 1);
    case "upgrade": return 3 + nodes;
    default: return 4;
  }
}

export async function clusterPage(el, ident) {
  const path = "/v1/clusters/" + encodeURIComponent(ident);
  let cluster = await api.get(path);
  let template = await api.get("/v1/clustertemplates/" + cluster.cluster_template_id).catch(() => null);
  const title = h("h1", {}, cluster.name);
  const badges = h("span", {class: "badges", "aria-live": "polite"});
  const liveMode = h("span", {class: "muted live-mode"});
  const overview = h("section", {"aria-labelledby": "ov-h"}, h("h2", {id: "ov-h"}, "Overview"));
  const ovBody = h("div");
  overview.append(ovBody);
  const ngTable = h("table", {class: "list", id: "nodegroups"});
  const addNg = h("button", {type: "button"}, "Add nodegroup");
  const ngSection = h("section", {"aria-labelledby": "ng-h"},
                      h("div", {class: "titlebar"}, h("h2", {id: "ng-h"}, "Nodegroups"), addNg), ngTable);
  const bar = h("progress", {id: "op-progress", max: 100, value: 0, "aria-labelledby": "op-label"});
  const opLabel = h("span", {id: "op-label"}, "");
  const timeline = h("ol", {class: "timeline", id: "timeline", "aria-live": "polite"});
  const evSection = h("section", {"aria-labelledby": "ev-h"},
                      h("div", {class: "titlebar"}, h("h2", {id: "ev-h"}, "Events"), liveMode),
                      h("div", {class: "progress"}, opLabel, bar), timeline);
  const resize = h("button", {type: "button"}, "Resize");
  const upgrade = h("button", {type: "button"}, "Upgrade");
  const config = h("button", {type: "button"}, "Client configuration");
  const remove = h("button", {type: "button", class: "danger"}, "Delete");
  const actions = h("div", {class: "actions", id: "cluster-actions"}, resize, upgrade, config, remove);
  clear(el, h("p", {}, h("a", {href: "#/clusters"}, "← Clusters")),
        h("div", {class: "titlebar"}, title, badges), actions, overview, ngSection, evSection);

  const events = [];
  let nodegroups = [];
  let lastStatus = null;

  function renderOverview() {
    const c = cluster;
    clear(badges, statusBadge(c.status), " ", healthBadge(c.health_status, "health "));
    const faults = c.faults && Object.keys(c.faults).length
        ? h("ul", {class: "faults"}, Object.entries(c.faults).map(([k, v]) => h("li", {}, h("strong", {}, k + ": "), v)))
        : null;
    clear(ovBody,
          c.status_reason ? h("p", {class: "reason " + statusClass(c.status), id: "status-reason"}, c.status_reason) : null,
          faults ? [h("h3", {}, "Faults"), faults] : null,
          dl([["UUID", c.uuid],
              ["Template", template ? h("a", {href: "#/templates/" + template.uuid}, template.name) : c.cluster_template_id],
              ["API address", c.api_address], ["COE version", c.coe_version],
              ["Masters", c.master_count], ["Worker nodes", c.node_count],
              ["Master addresses", c.master_addresses], ["Node addresses", c.node_addresses],
              ["Master flavor", c.master_flavor_id], ["Node flavor", c.flavor_id],
              ["Keypair", c.keypair], ["Labels", c.labels], ["Create timeout", c.create_timeout],
              ["Health reason", c.health_status_reason], ["Project", c.project_id],
              ["Created", fmtTime(c.created_at)], ["Updated", fmtTime(c.updated_at)]]));
    const busyNow = (c.status || "").endsWith("_IN_PROGRESS");
    for (const b of [resize, upgrade, addNg]) b.disabled = busyNow;
    remove.disabled = c.status === "DELETE_IN_PROGRESS";
  }

  async function loadNodegroups() {
    try {
      nodegroups = await api.getAll(path + "/nodegroups/detail", "nodegroups");
    } catch (e) {
      return showError(ngSection, e, "Nodegroups could not be loaded");
    }
    clear(ngTable,
          h("thead", {}, h("tr", {}, ["Name", "Role", "Status", "Flavor", "Nodes", "Min", "Max",
                                      "Addresses", ""].map((t) => h("th", {scope: "col"}, t)))),
          h("tbody", {}, nodegroups.map((ng) => h("tr", {"data-name": ng.name},
              h("th", {scope: "row"}, ng.name, ng.is_default ? h("span", {class: "badge st-none"}, "default") : null),
              h("td", {}, ng.role), h("td", {}, statusBadge(ng.status)), h("td", {}, ng.flavor_id || "—"),
              h("td", {class: "num"}, ng.node_count), h("td", {class: "num"}, ng.min_node_count),
              h("td", {class: "num"}, fmtValue(ng.max_node_count)),
              h("td", {}, fmtValue(ng.node_addresses)),
              h("td", {class: "row-actions"},
                ng.role !== "master" ? h("button", {type: "button", class: "small",
                  "aria-label": "Resize nodegroup " + ng.name, onclick: () => resizeDialog(ng)}, "Resize") : null,
                !ng.is_default ? h("button", {type: "button", class: "small danger",
                  "aria-label": "Delete nodegroup " + ng.name, onclick: (ev) => deleteNodegroup(ng, ev.target)}, "Delete") : null)))));
  }

  function renderTimeline() {
    // The running (or last) operation: the events since its start event.
    let startIdx = 0;
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i];
      if (!e.node && OPS.includes(e.step) && /started/.test(e.message || "")) {
        startIdx = i;
        break;
      }
    }
    const op = events.slice(startIdx);
    const s = cluster.status || "";
    const done = !s.endsWith("_IN_PROGRESS");
    const total = estimate(cluster, op);
    const pct = done ? 100 : Math.min(95, Math.round(100 * op.length / total));
    bar.value = pct;
    bar.classList.toggle("failed", s.endsWith("_FAILED"));
    opLabel.textContent = (op[0] ? op[0].step + ": " : "") + (done ? s : s + " — " + pct + "%");
  }

  function addEvent(e) {
    events.push(e);
    const atEnd = timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - 8;
    timeline.append(h("li", {class: "ev lvl-" + e.level, "data-id": e.id},
                      h("time", {datetime: e.created_at}, fmtTime(e.created_at)),
                      h("span", {class: "step"}, e.step), e.node ? h("span", {class: "node"}, e.node) : null,
                      h("span", {class: "msg"}, e.message)));
    if (atEnd) timeline.scrollTop = timeline.scrollHeight;  // follow the newest, unless scrolled up
  }

  let ngTimer = null;
  // The whole cluster (counts, addresses, template) and its nodegroups, read again.
  async function refreshDetails() {
    loadNodegroups();
    try {
      const full = await api.get(path);
      if (full.cluster_template_id !== cluster.cluster_template_id) {
        template = await api.get("/v1/clustertemplates/" + full.cluster_template_id).catch(() => template);
      }
      cluster = full;
      renderOverview();
      renderTimeline();
    } catch (e) { /* the watcher reports a 404 or an outage */ }
  }
  const stop = watchCluster(cluster.uuid, {
    cluster(c) {
      cluster = Object.assign(cluster, c);  // the stream's `cluster` message has some fields
      renderOverview();
      renderTimeline();
      if (cluster.status !== lastStatus) {
        lastStatus = cluster.status;
        clearTimeout(ngTimer);
        ngTimer = setTimeout(refreshDetails, 0);
      }
    },
    event(e) {
      addEvent(e);
      renderTimeline();
      // Nodegroups change with the steps (nodes added, a nodegroup deleted): re-read them
      // once a burst of events is over.
      clearTimeout(ngTimer);
      ngTimer = setTimeout(refreshDetails, 300);
    },
    gone() {
      clear(badges, statusBadge("DELETE_COMPLETE"));
      status("Cluster " + cluster.name + " was deleted");
      for (const b of [resize, upgrade, config, remove, addNg]) b.disabled = true;
      el.prepend(h("p", {class: "notice", role: "status", id: "gone"}, "This cluster has been deleted. ",
                   h("a", {href: "#/clusters"}, "Back to the list")));
    },
    mode(m) {
      liveMode.textContent = m === "stream" ? "● live" : "● polling every 2 s";
      liveMode.dataset.mode = m;
    },
    error(e) {
      liveMode.textContent = "● update failed, retrying: " + (e.detail || e.message);
    },
  });
  renderOverview();

  async function resizeDialog(ng) {
    const workers = nodegroups.filter((n) => n.role !== "master");
    await formDialog(ng ? "Resize nodegroup " + ng.name : "Resize " + cluster.name, (f) => {
      const sel = h("select", {name: "nodegroup"}, workers.map((n) =>
          h("option", {value: n.uuid, selected: ng ? n.uuid === ng.uuid : n.name === "default-worker"},
            n.name + " (" + n.node_count + " nodes)")));
      const cur = ng || workers.find((n) => n.name === "default-worker") || workers[0];
      f.append(field("Nodegroup", sel),
               field("Node count", h("input", {name: "node_count", inputmode: "numeric",
                                                value: String(cur ? cur.node_count : cluster.node_count)}),
                     cur && cur.max_node_count !== null ? "between " + cur.min_node_count + " and " + cur.max_node_count
                                                        : "at least " + (cur ? cur.min_node_count : 0)),
               field("Nodes to remove", h("input", {name: "nodes_to_remove"}), "optional: comma-separated node names or ids"));
    }, async (f) => {
      const t = f.elements.node_count.value.trim();
      if (!showFieldErrors(f, /^\d+$/.test(t) ? {} : {node_count: "A non-negative integer."})) return undefined;
      const b = {node_count: Number(t), nodegroup: f.elements.nodegroup.value};
      const rm = f.elements.nodes_to_remove.value.split(",").map((s) => s.trim()).filter(Boolean);
      if (rm.length) b.nodes_to_remove = rm;
      await api.post(path + "/actions/resize", b);
      status("Resize accepted");
      return true;
    }, "Resize");
  }

  async function deleteNodegroup(ng, button) {
    if (!await confirmDialog("Delete nodegroup " + ng.name + "?",
                             "Its " + ng.node_count + " nodes are removed from " + cluster.name + ".")) return;
    try {
      await busy(button, "Deleting…", () => api.del(path + "/nodegroups/" + ng.uuid), ngSection,
                 "The API refused the delete");
      status("Nodegroup " + ng.name + " is being deleted");
      loadNodegroups();
    } catch (e) { /* shown */ }
  }

  resize.addEventListener("click", () => resizeDialog(null));
  addNg.addEventListener("click", () => formDialog("Add a nodegroup to " + cluster.name, (f) => {
    f.append(h("div", {class: "grid"},
               field("Name", h("input", {name: "name", autocomplete: "off"})),
               field("Node count", h("input", {name: "node_count", value: "1", inputmode: "numeric"})),
               field("Min nodes", h("input", {name: "min_node_count", value: "0", inputmode: "numeric"})),
               field("Max nodes", h("input", {name: "max_node_count", inputmode: "numeric"}), "empty: no limit"),
               field("Flavor", h("input", {name: "flavor_id"}), "empty: the cluster's"),
               field("Labels", h("input", {name: "labels"}), "key=value, comma-separated")));
  }, async (f) => {
    const e = f.elements;
    const b = {name: e.name.value.trim()};
    const errs = {};
    if (!b.name) errs.name = "A name is required.";
    else if (b.name.length > 255) errs.name = "At most 255 characters.";
    for (const n of ["node_count", "min_node_count", "max_node_count"]) {
      const t = e[n].value.trim();
      if (t === "" && n === "max_node_count") continue;
      if (!/^\d+$/.test(t)) errs[n] = "A non-negative integer.";
      else b[n] = Number(t);
    }
    if (!errs.min_node_count && b.min_node_count > b.node_count) errs.min_node_count = "Not above the node count.";
    if (b.max_node_count !== undefined && b.node_count > b.max_node_count) errs.max_node_count = "Not below the node count.";
    if (e.flavor_id.value.trim()) b.flavor_id = e.flavor_id.value.trim();
    try {
      const l = parseLabels(e.labels.value);
      if (Object.keys(l).length) Object.assign(b, {labels: l, merge_labels: true});
    } catch (x) {
      errs.labels = x.message;
    }
    if (!showFieldErrors(f, errs)) return undefined;
    await api.post(path + "/nodegroups", b);
    status("Nodegroup " + b.name + " is being created");
    loadNodegroups();
    return true;
  }, "Add nodegroup"));

  upgrade.addEventListener("click", async () => {
    const ts = [...(await templateMap()).values()].filter((t) => !template || t.coe === template.coe);
    await formDialog("Upgrade " + cluster.name, (f) => {
      f.append(field("Target template", h("select", {name: "cluster_template"}, ts.map((t) =>
                   h("option", {value: t.uuid, selected: t.uuid === cluster.cluster_template_id},
                     t.name + (t.uuid === cluster.cluster_template_id ? " (current)" : ""))))),
               field("Max batch size", h("input", {name: "max_batch_size", value: "1", inputmode: "numeric"})),
               field("Nodegroup", h("select", {name: "nodegroup"}, h("option", {value: ""}, "(whole cluster)"),
                                    nodegroups.map((n) => h("option", {value: n.uuid}, n.name)))));
    }, async (f) => {
      const t = f.elements.max_batch_size.value.trim();
      if (!showFieldErrors(f, /^[1-9]\d*$/.test(t) ? {} : {max_batch_size: "A positive integer."})) return undefined;
      const b = {cluster_template: f.elements.cluster_template.value, max_batch_size: Number(t)};
      if (f.elements.nodegroup.value) b.nodegroup = f.elements.nodegroup.value;
      await api.post(path + "/actions/upgrade", b);
      template = await api.get("/v1/clustertemplates/" + b.cluster_template).catch(() => template);
      status("Upgrade accepted");
      return true;
    }, "Upgrade");
  });

  config.addEventListener("click", () => {
    const dlg = h("dialog", {"aria-labelledby": "cfg-h"});
    const out = h("div", {id: "config-files", "aria-live": "polite"});
    const close = h("button", {type: "button", onclick: () => dlg.close()}, "Close");
    const progressText = h("p", {class: "muted", role: "status"});
    dlg.append(h("h2", {id: "cfg-h"}, "Client configuration for " + cluster.name),
               h("p", {}, "A new private key is generated in this browser and never sent; the " +
                          "cluster's CA signs its certificate. The files are what " +
                          "`openstack coe cluster config --output-certs` writes."),
               progressText, out, h("div", {class: "actions"}, close));
    dlg.addEventListener("close", () => dlg.remove());
    document.body.append(dlg);
    dlg.showModal();
    close.focus();
    const links = (files) => h("ul", {class: "files"}, Object.entries(files).map(([n, t]) => h("li", {}, downloadLink(n, t))));
    clusterConfig(cluster, template, (t) => (progressText.textContent = t)).then((files) => {
      progressText.textContent = "Ready: save the files in one directory, then `. env.sh` there.";
      clear(out, links(files));
      out.querySelector("a").focus();
    }).catch(async (e) => {
      progressText.textContent = "";
      showError(out, e, "The configuration could not be made");
      try {
        out.append(h("p", {}, "The CA certificate alone:"),
                   links(await clusterConfig(cluster, template, () => {}, true)));
      } catch (x) { /* the error above says it */ }
    });
  });

  remove.addEventListener("click", async () => {
    if (!await confirmDialog("Delete cluster " + cluster.name + "?",
                             "Every node of the cluster is removed. This cannot be undone.")) return;
    try {
      await busy(remove, "Deleting…", () => api.del(path), el, "The API refused the delete");
      status("Cluster " + cluster.name + " is being deleted");
    } catch (e) { /* shown */ }
  });

  loadNodegroups();
  return () => {
    clearTimeout(ngTimer);
    stop();
  };
}
