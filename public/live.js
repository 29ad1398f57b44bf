// Registry Console: the live part of the Overview and Logs pages.
//
// Why a small script and not a WASM island: both pages are rendered whole on the server,
// and what is live about them is little code (listen to server-sent events, fetch the page
// again and swap one region in, append log lines). An island would make these pages load
// the console's whole WASM bundle (about 170 KB gzipped); this file is about 2 KB, so the
// Overview's first load stays far under its 100 KB budget. Every word it shows comes from
// the page (data-* attributes rendered in the page's language), so it carries no text.

const status = document.querySelector("[data-live-source]");

function setStatus(state, text) {
  if (!status) return;
  status.dataset.state = state;
  status.textContent =
    text ?? (state === "on" ? status.dataset.liveOn : status.dataset.livePaused);
}

// An EventSource that reconnects with exponential back-off (1 s doubling to 30 s) and says
// "paused" while it is down. `url` is called on each connect, so a reconnect can resume
// where the last connection stopped. Returns a function that closes it for good.
function liveEvents(url, handlers) {
  let delay = 1000;
  let source = null;
  let timer = null;
  let closed = false;
  const open = () => {
    source = new EventSource(url(), { withCredentials: true });
    source.onopen = () => {
      delay = 1000;
      setStatus("on");
    };
    for (const [name, handler] of Object.entries(handlers)) {
      source.addEventListener(name, handler);
    }
    source.onerror = () => {
      source.close();
      if (closed) return;
      setStatus("paused");
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 30000);
    };
  };
  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    if (source) source.close();
  };
}

// Overview: on each change, fetch the page again and put its fresh region in place.
function overview() {
  let busy = false;
  let again = false;
  const refresh = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      // Marked as the page's own request: refreshing is not the user's activity, so an
      // open tab does not keep an idle session alive.
      const response = await fetch(location.href, {
        credentials: "same-origin",
        headers: { Accept: "text/html", "X-Background-Refresh": "1" },
      });
      // A sign-in page (expired session) has no region: say paused rather than swap it in.
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-live-region]");
      const current = document.querySelector("[data-live-region]");
      if (!response.ok || !fresh || !current) {
        setStatus("paused");
        return;
      }
      const open = [...current.querySelectorAll("details[open]")].map(
        (d) => d.closest("[data-chart]")?.dataset.chart,
      );
      const focused = document.activeElement?.getAttribute("aria-label");
      current.replaceWith(document.importNode(fresh, true));
      for (const chart of open) {
        document.querySelector(`[data-chart="${chart}"] details`)?.setAttribute("open", "");
      }
      if (focused) {
        [...document.querySelectorAll("[data-live-region] [aria-label]")]
          .find((e) => e.getAttribute("aria-label") === focused)
          ?.focus();
      }
      setStatus("on");
    } catch {
      setStatus("paused");
    } finally {
      busy = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  };
  liveEvents(() => status.dataset.liveSource, { changed: refresh, tick: refresh });
}

// Logs: follow (pause, resume, a bounded number of lines), filter as one types, and
// download exactly what is shown.
function logs(log) {
  const follow = document.querySelector("[data-log-follow]");
  const filterInput = document.querySelector("[data-log-filter]");
  const dropped = document.querySelector("[data-log-dropped]");
  const count = document.querySelector("[data-log-count]");
  const keep = Number(log.dataset.keep) || 5000;
  const timestamps = log.dataset.timestamps === "true";
  let filter = "";
  let droppedCount = 0;
  let stop = null;
  let paused = false;
  let held = [];

  const textOf = (line) => line.dataset.text ?? line.querySelector(".text")?.textContent ?? "";
  // `text` lower-cased character by character, with where in `text` each folded code unit
  // comes from: "İ" lower-cases to two code units, so indexes into the folded text would
  // otherwise mark the wrong characters (the server's highlight does the same).
  const fold = (text) => {
    let folded = "";
    const starts = [];
    const ends = [];
    let at = 0;
    for (const c of text) {
      const lower = c.toLowerCase();
      for (let i = 0; i < lower.length; i++) {
        starts.push(at);
        ends.push(at + c.length);
      }
      folded += lower;
      at += c.length;
    }
    return { folded, starts, ends };
  };
  filter = fold(filterInput?.value ?? "").folded;
  const render = (line) => {
    const text = textOf(line);
    line.dataset.text = text;
    const target = line.querySelector(".text");
    target.replaceChildren();
    const { folded, starts, ends } = fold(text);
    let from = 0;
    if (filter) {
      for (let at = folded.indexOf(filter); at >= 0; at = folded.indexOf(filter, at + filter.length)) {
        const start = starts[at];
        const end = ends[at + filter.length - 1];
        if (start < from) continue;
        target.append(text.slice(from, start));
        const mark = document.createElement("mark");
        mark.textContent = text.slice(start, end);
        target.append(mark);
        from = end;
      }
    }
    target.append(text.slice(from));
    line.hidden = filter !== "" && !folded.includes(filter);
  };
  // "3 of 5 lines shown", from the page's two plural forms.
  const recount = () => {
    if (!count) return;
    const lines = log.querySelectorAll(".line");
    const shown = [...lines].filter((line) => !line.hidden).length;
    const total = lines.length + droppedCount;
    count.textContent = (total === 1 ? count.dataset.one : count.dataset.other)
      .replace("{shown}", String(shown))
      .replace("{count}", String(total));
  };
  const append = (entry) => {
    const line = document.createElement("span");
    line.className = "line";
    line.dataset.at = entry.at;
    if (timestamps) {
      const ts = document.createElement("span");
      ts.className = "ts";
      ts.textContent = `${entry.at} `;
      line.append(ts);
    }
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = entry.text;
    line.append(text, "\n");
    render(line);
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
    log.append(line);
    log.dataset.after = entry.at;
    let extra = log.childElementCount - keep;
    while (extra-- > 0) {
      log.firstElementChild.remove();
      droppedCount++;
    }
    if (droppedCount && dropped) {
      dropped.hidden = false;
      dropped.textContent = dropped.dataset.template
        .replace("{count}", String(droppedCount))
        .replace("{keep}", String(keep));
    }
    if (atBottom) log.scrollTop = log.scrollHeight;
    recount();
  };

  const url = () => {
    const query = new URLSearchParams({
      pod: log.dataset.pod,
      container: log.dataset.container,
      after: log.dataset.after ?? "",
    });
    return `/logs/follow?${query}`;
  };
  const label = (name) => {
    follow.textContent = follow.dataset[name];
  };
  if (follow) {
    follow.hidden = false;
    follow.addEventListener("click", () => {
      if (!stop) {
        stop = liveEvents(url, {
          line: (event) => {
            const entry = JSON.parse(event.data);
            if (paused) {
              held.push(entry);
              if (held.length > keep) {
                droppedCount += held.length - keep;
                held = held.slice(-keep);
              }
            } else {
              append(entry);
            }
          },
          end: (event) => {
            stop?.();
            stop = null;
            setStatus("ended", event.data);
            label("labelFollow");
          },
        });
        paused = false;
        label("labelPause");
      } else if (!paused) {
        paused = true;
        label("labelResume");
      } else {
        paused = false;
        for (const entry of held) append(entry);
        held = [];
        label("labelPause");
      }
    });
  }
  filterInput?.addEventListener("input", () => {
    filter = fold(filterInput.value).folded;
    for (const line of log.querySelectorAll(".line")) render(line);
    recount();
  });
  document.querySelector('[data-download="shown"]')?.addEventListener("click", (event) => {
    event.preventDefault();
    const shown = [...log.querySelectorAll(".line")]
      .filter((line) => !line.hidden)
      .map((line) => line.textContent)
      .join("");
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([shown], { type: "text/plain" }));
    link.download = `${log.dataset.pod}-shown.log`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  });
}

const log = document.querySelector("[data-log]");
if (document.querySelector("[data-live-region]") && status) overview();
if (log) logs(log);
