// Admin pages: stats and quotas (every project), the Magnum services.
import * as api from "./api.js";
import {h, clear, busy, showError, field, showFieldErrors, confirmDialog, formDialog, fmtTime,
        status} from "./ui.js";

export async function adminPage(el) {
  const statsBox = h("div", {class: "stats"});
  const statsProject = h("input", {id: "stats-project", placeholder: "all projects"});
  const statsForm = h("form", {class: "toolbar"}, h("label", {for: "stats-project"}, "Project"),
                      statsProject, h("button", {type: "submit"}, "Show"));
  const quotas = h("table", {class: "list", id: "quotas"});
  const add = h("button", {type: "button", class: "primary"}, "New quota");
  clear(el, h("h1", {}, "Quotas and stats"),
        h("section", {"aria-labelledby": "st-h"}, h("h2", {id: "st-h"}, "Stats"), statsForm, statsBox),
        h("section", {"aria-labelledby": "q-h"},
          h("div", {class: "titlebar"}, h("h2", {id: "q-h"}, "Quotas (clusters per project)"), add), quotas));

  async function loadStats() {
    const p = statsProject.value.trim();
    try {
      const s = await api.get("/v1/stats" + (p ? "?project_id=" + encodeURIComponent(p) : ""));
      clear(statsBox, h("div", {class: "stat"}, h("span", {class: "num"}, s.clusters), " clusters"),
            h("div", {class: "stat"}, h("span", {class: "num"}, s.nodes), " nodes"));
    } catch (e) {
      clear(statsBox);
      showError(statsBox, e, "Stats");
    }
  }
  statsForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    loadStats();
  });

  async function loadQuotas() {
    let list;
    try {
      list = await api.getAll("/v1/quotas?all_tenants=true&limit=1000", "quotas");
    } catch (e) {
      clear(quotas);
      return showError(quotas.parentElement, e, "Quotas");
    }
    clear(quotas, h("thead", {}, h("tr", {}, ["Project", "Resource", "Limit", "Updated", ""].map((t) => h("th", {scope: "col"}, t)))),
          h("tbody", {}, list.map((q) => h("tr", {},
              h("th", {scope: "row"}, q.project_id), h("td", {}, q.resource),
              h("td", {class: "num"}, q.hard_limit), h("td", {}, fmtTime(q.updated_at || q.created_at)),
              h("td", {class: "row-actions"},
                h("button", {type: "button", class: "small", "aria-label": "Change the quota of " + q.project_id,
                             onclick: () => edit(q)}, "Change"),
                h("button", {type: "button", class: "small danger", "aria-label": "Delete the quota of " + q.project_id,
                             onclick: (ev) => remove(q, ev.target)}, "Delete"))))));
    if (!list.length) quotas.append(h("caption", {}, "No quotas: every project has the default limit."));
  }

  const limitField = (v) => field("Clusters allowed", h("input", {name: "hard_limit", value: v, inputmode: "numeric"}), "0 forbids clusters");
  const limitOf = (f) => {
    const t = f.elements.hard_limit.value.trim();
    return /^\d+$/.test(t) && Number(t) <= 2147483647 ? Number(t) : null;
  };
  async function edit(q) {
    const r = await formDialog("Quota of " + q.project_id, (f) => f.append(limitField(String(q.hard_limit))), async (f) => {
      const n = limitOf(f);
      if (!showFieldErrors(f, n === null ? {hard_limit: "An integer from 0 to 2147483647."} : {})) return undefined;
      return api.patch("/v1/quotas/" + encodeURIComponent(q.project_id) + "/Cluster", {hard_limit: n});
    }, "Save");
    if (r) loadQuotas();
  }
  async function remove(q, button) {
    if (!await confirmDialog("Delete the quota of " + q.project_id + "?", "The project gets the default limit again.")) return;
    try {
      await busy(button, "Deleting…", () => api.del("/v1/quotas/" + encodeURIComponent(q.project_id) + "/Cluster"),
                 quotas.parentElement, "The API refused the delete");
      loadQuotas();
    } catch (e) { /* shown */ }
  }
  add.addEventListener("click", async () => {
    const r = await formDialog("New quota", (f) => f.append(field("Project id", h("input", {name: "project_id"})), limitField("20")), async (f) => {
      const p = f.elements.project_id.value.trim();
      const n = limitOf(f);
      const errs = {};
      if (!p) errs.project_id = "A project id is required.";
      if (n === null) errs.hard_limit = "An integer from 0 to 2147483647.";
      if (!showFieldErrors(f, errs)) return undefined;
      return api.post("/v1/quotas", {project_id: p, resource: "Cluster", hard_limit: n});
    }, "Create");
    if (r) {
      status("Quota created");
      loadQuotas();
    }
  });
  await Promise.all([loadStats(), loadQuotas()]);
}

export async function servicesPage(el) {
  const table = h("table", {class: "list", id: "services"});
  const refresh = h("button", {type: "button"}, "Refresh");
  clear(el, h("div", {class: "titlebar"}, h("h1", {}, "Magnum services"), refresh), table);
  async function load() {
    const list = (await api.get("/v1/mservices")).mservices;
    clear(table, h("thead", {}, h("tr", {}, ["Host", "Binary", "State", "Disabled", "Reports", "Last update"]
                                               .map((t) => h("th", {scope: "col"}, t)))),
          h("tbody", {}, list.map((s) => h("tr", {},
              h("th", {scope: "row"}, s.host), h("td", {}, s.binary),
              h("td", {}, h("span", {class: "badge " + (s.state === "up" ? "st-ok" : "st-fail")}, s.state)),
              h("td", {}, s.disabled ? "yes" + (s.disabled_reason ? ": " + s.disabled_reason : "") : "no"),
              h("td", {class: "num"}, s.report_count), h("td", {}, fmtTime(s.updated_at || s.created_at))))));
  }
  refresh.addEventListener("click", () => busy(refresh, "Refreshing…", load, el, "Services").catch(() => {}));
  await load();
}
