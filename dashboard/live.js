// Live updates of one cluster: the event stream (GET /v1/clusters/{id}/events with
// Accept: text/event-stream, read with fetch so the token header can be sent), reconnecting
// with Last-Event-ID; polling every 2 s when the stream is not available.
import {apiBase, authHeaders, get, getAll, ApiError} from "./api.js";

const POLL_MS = 2000;

// Parses SSE text incrementally: feed(chunk) returns the complete messages
// [{event, data, id}] seen so far; comments (": keep-alive") are dropped.
export class SseParser {
  constructor() {
    this.buf = "";
    this.msg = {event: "", data: [], id: null};
  }
  feed(chunk) {
    this.buf += chunk;
    const out = [];
    let nl;
    while ((nl = this.buf.search(/\r\n|\r|\n/)) >= 0) {
      // A CR that ends the chunk may be the first half of a CRLF: wait for the next chunk.
      if (nl === this.buf.length - 1 && this.buf[nl] === "\r") break;
      const line = this.buf.slice(0, nl);
      const len = this.buf.startsWith("\r\n", nl) ? 2 : 1;
      this.buf = this.buf.slice(nl + len);
      if (line === "") {
        if (this.msg.data.length || this.msg.event) {
          out.push({event: this.msg.event || "message", data: this.msg.data.join("\n"),
                    id: this.msg.id});
        }
        this.msg = {event: "", data: [], id: null};
        continue;
      }
      if (line[0] === ":") continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") this.msg.event = value;
      else if (field === "data") this.msg.data.push(value);
      else if (field === "id") this.msg.id = value;
    }
    return out;
  }
}

// Watches cluster `ident`. handlers: cluster(obj), event(ev), gone(), mode("stream"|"polling"),
// error(err). Returns stop().
export function watchCluster(ident, handlers) {
  const h = Object.assign({cluster() {}, event() {}, gone() {}, mode() {}, error() {}}, handlers);
  let stopped = false;
  let lastId = 0;
  let timer = null;
  let ctrl = null;
  const seen = new Set();
  const path = "/v1/clusters/" + encodeURIComponent(ident);

  function deliver(ev) {
    if (seen.has(ev.id)) return;
    seen.add(ev.id);
    if (ev.id > lastId) lastId = ev.id;
    h.event(ev);
  }

  async function pollOnce() {
    try {
      const c = await get(path);
      h.cluster(c);
      const evs = await getAll(path + "/events" + (lastId ? "?marker=" + lastId : ""), "events");
      evs.forEach(deliver);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        h.gone();
        stopped = true;
        return;
      }
      h.error(e);
    }
  }

  function poll() {
    h.mode("polling");
    const tick = async () => {
      if (stopped) return;
      if (!document.hidden) await pollOnce();
      if (!stopped) timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
  }

  async function stream(attempt) {
    if (stopped) return;
    // sessionStorage["magnum.live"] = "poll": polling only (to check the fallback).
    if (sessionStorage.getItem("magnum.live") === "poll") return poll();
    ctrl = new AbortController();
    const headers = Object.assign({"Accept": "text/event-stream",
                                   "OpenStack-API-Version": "container-infra latest"},
                                  authHeaders());
    if (lastId) headers["Last-Event-ID"] = String(lastId);
    let resp;
    try {
      resp = await fetch(apiBase() + path + "/events", {headers, signal: ctrl.signal,
                                                        cache: "no-store"});
    } catch (e) {
      if (stopped) return;
      return attempt < 3 ? setTimeout(() => stream(attempt + 1), 1000 * (attempt + 1)) : poll();
    }
    const type = resp.headers.get("Content-Type") || "";
    if (resp.status !== 200 || !type.startsWith("text/event-stream") || !resp.body) {
      if (resp.status === 404) {
        h.gone();
        return;
      }
      ctrl.abort();
      return poll();
    }
    h.mode("stream");
    const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    try {
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        for (const m of parser.feed(value)) {
          if (m.event === "cluster") h.cluster(JSON.parse(m.data));
          else if (m.event === "event") deliver(JSON.parse(m.data));
          else if (m.event === "gone") {
            stopped = true;
            h.gone();
            ctrl.abort();
            return;
          }
        }
      }
    } catch (e) {
      if (stopped) return;
    }
    // The stream ended (server restart, proxy timeout): again from the last event seen.
    if (!stopped) setTimeout(() => stream(0), 1000);
  }

  // History first (every page), then live.
  (async () => {
    await pollOnce();
    if (!stopped) stream(0);
  })();

  return () => {
    stopped = true;
    clearTimeout(timer);
    if (ctrl) ctrl.abort();
  };
}
