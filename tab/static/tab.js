// The oversight tab: four views over /api/tab/*. Data is put in the page as text (never as HTML);
// only the server's charts (SVG it draws and escapes) are inserted as markup.
"use strict";

const mode = document.body.dataset.mode;
let inTeams = false;
let token = null;

async function startTeams() {
  try {
    await Promise.race([microsoftTeams.app.initialize(), new Promise((_, no) => setTimeout(() => no(new Error("not in Teams")), 1500))]);
    inTeams = true;
    const context = await microsoftTeams.app.getContext();
    setTheme(context.app.theme);
    microsoftTeams.app.registerOnThemeChangeHandler(setTheme);
  } catch (error) {
    inTeams = false;  // a browser outside Teams: local mode works; Azure mode needs Teams for sign-in
  }
}

function setTheme(theme) {
  document.body.classList.remove("theme-default", "theme-dark", "theme-contrast");
  document.body.classList.add("theme-" + (theme || "default"));
}

async function authorization() {
  if (mode === "local") return {};
  if (!inTeams) throw new Error("Open this page in Microsoft Teams to sign in.");
  token = token || await microsoftTeams.authentication.getAuthToken();
  return { Authorization: "Bearer " + token };
}

async function call(path, options = {}) {
  const headers = { ...(options.headers || {}), ...(await authorization()) };
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) token = null;
  if (!response.ok) {
    let message = "Something went wrong (" + response.status + ").";
    try { message = (await response.json()).error || message; } catch (ignored) { /* not JSON */ }
    throw new Error(message);
  }
  return response;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// The partnership's own clock, as the service writes it (with its offset), whatever zone the browser is set to
// (a trial's browser on UTC showed every summer time an hour early): "Tue, 01/06/2027, 09:00".
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
function when(iso) {
  if (!iso) return "—";
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  if (!m) return iso;
  const weekday = WEEKDAYS[new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDay()];
  return weekday + ", " + m[3] + "/" + m[2] + "/" + m[1] + ", " + m[4] + ":" + m[5];
}

// An action whose owner gave a new date since: the date agreed at the discussion stays in view beside it.
function agreedWords(agreed) {
  return agreed ? " (agreed at the discussion: " + when(agreed) + ")" : "";
}

function hoursWords(hours) {
  if (hours === null || hours === undefined) return "—";
  const sign = hours < 0 ? "overdue by " : "";
  const h = Math.abs(hours);
  return sign + (h >= 48 ? Math.round(h / 24) + " days" : h.toFixed(1) + " hours");
}

function showProblem(message) {
  const box = document.getElementById("problem");
  box.textContent = message || "";
  box.hidden = !message;
}

function table(caption, headings, rows) {
  const head = el("tr", {}, ...headings.map((h) => el("th", { scope: "col", text: h })));
  return el("table", {}, el("caption", { text: caption }), el("thead", {}, head),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => c instanceof Node ? el("td", {}, c) : el("td", { text: String(c) }))))));
}

function link(href, text) {
  if (!href) return "—";  // nowhere to go (local mode has no bot id to open a chat with)
  const a = el("a", { href, target: "_blank", rel: "noopener", text });
  a.addEventListener("click", (event) => {
    if (inTeams) { event.preventDefault(); microsoftTeams.app.openLink(href); }
  });
  return a;
}

async function showMine(body) {
  const data = await (await call("/api/tab/discussions")).json();
  body.replaceChildren();
  if (!data.discussions.length) { body.append(el("p", { text: "No open discussions." })); return; }
  body.append(table(data.scope === "service" ? "The service's open discussions, most urgent first" : "Your open discussions, most urgent first",
    ["Case", "Status", "Deadline", "Time left", "Meeting", "Quorum", "Records checks", "Owed", "In Teams"],
    data.discussions.map((d) => [
      d.case_reference + " (" + d.initials + ")", d.status, when(d.deadline), hoursWords(d.time_left_hours), when(d.meeting),
      d.quorum.agencies.length ? d.quorum.coming.length + " of " + d.quorum.agencies.length + (d.quorum.held ? " attended (" : " coming (") + d.quorum.agencies.join(", ") + ")" : "—",
      d.records_checks.map((c) => c.agency + ": " + c.state).join("; ") || "—",
      d.obligations.length ? el("ul", {}, ...d.obligations.map((o) => el("li", { class: o.overdue ? "late" : null,
        text: o.what + (o.agency ? " (" + o.agency + ")" : "") + ", due " + when(o.due) + agreedWords(o.agreed) + (o.overdue ? " — overdue" : "") }))) : "—",
      link(d.link, "Open the card"),
    ])));
}

function snoozeForm(item, body) {
  const form = el("form", { class: "snooze" },
    el("label", {}, "Snooze for ", el("input", { type: "number", name: "days", min: "1", max: "30", value: "2", required: true }), " days"),
    el("label", {}, "Reason ", el("input", { type: "text", name: "reason", required: true, maxlength: "500" })),
    el("button", { type: "submit", text: "Snooze " + item.what + " on " + item.case_reference }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = new FormData(form);
    try {
      const answer = await (await call("/api/tab/snooze", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ obligation_id: item.id, days: Number(values.get("days")), reason: values.get("reason") }) })).json();
      showProblem("");
      form.replaceWith(el("p", { role: "status", text: "Snoozed until " + when(answer.snoozed_until) + "." }));
    } catch (error) { showProblem(error.message); }
  });
  return el("details", {}, el("summary", { text: "Snooze…" }), form);
}

async function showOverdue(body) {
  const data = await (await call("/api/tab/overdue")).json();
  body.replaceChildren();
  if (!data.count) { body.append(el("p", { text: "Nothing is overdue." })); return; }
  for (const agency of data.agencies) {
    const section = el("section", { class: "agency" }, el("h3", { text: agency.agency }));
    for (const person of agency.people) {
      section.append(el("h4", { text: person.person }));
      section.append(el("ul", {}, ...person.items.map((item) => el("li", {},
        el("strong", { text: item.case_reference + " (" + item.initials + "): " + item.what }),
        " due " + when(item.due) + agreedWords(item.agreed) + ", " + hoursWords(item.late_hours) + " late" + (item.late_hours >= 24 ? " (" + item.late_working_days + " working day" + (item.late_working_days === 1 ? "" : "s") + ")" : "") + (item.breached ? " — ladder exhausted" : ""),
        item.snoozed_until ? el("span", { text: " · snoozed until " + when(item.snoozed_until) }) : null,
        el("ul", { class: "chases" }, ...(item.chases.length ? item.chases.map((c) => el("li", {
          text: c.stage + " to " + c.to + " by " + (c.by || "—") + ", " + when(c.at) + " (" + c.status + ")" })) : [el("li", { text: "Not chased yet" })])),
        snoozeForm(item, body)))));
    }
    body.append(section);
  }
}

function period(form) {
  const values = new FormData(form);
  const query = new URLSearchParams();
  if (values.get("from")) query.set("from", values.get("from"));
  if (values.get("to")) query.set("to", values.get("to"));
  return query.toString();
}

function chart(svg) {
  const figure = el("figure", { class: "chart" });
  figure.innerHTML = svg;  // drawn and escaped by the server (tab/charts.py)
  return figure;
}

async function showTimeliness(body, form) {
  const data = await (await call("/api/tab/timeliness?" + period(form))).json();
  body.replaceChildren(
    el("p", { text: "From " + data.period.from + " to " + data.period.to + ". Median time from concern to discussion: " +
      (data.median_hours_to_discussion === null ? "no data" : data.median_hours_to_discussion + " hours") + "." }),
    chart(data.charts.within_deadline),
    table("Held within the statutory deadline", ["Time limit", "Held", "In time", "Share"],
      data.within_deadline.map((s) => [s.label, s.count, s.met, s.percent === null ? "no data" : s.percent + " %"])),
    chart(data.charts.shares),
    table("Quorate, and initial conferences in time", ["Measure", "Counted", "Met", "Share"],
      [["Quorate (recorded discussions)", data.quorate.count, data.quorate.met, data.quorate.percent === null ? "no data" : data.quorate.percent + " %"],
       ["Initial conferences within 15 working days", data.conferences.count, data.conferences.met,
        data.conferences.percent === null ? "no data" : data.conferences.percent + " %"]]),
    chart(data.charts.response_times),
    table("Agencies' response times (hours)", ["Agency", "What", "Answered", "Median", "90th percentile"],
      data.response_times.map((t) => [t.agency, t.kind, t.count, t.median_hours, t.p90_hours])));
}

async function download(path, name) {
  const blob = await (await call(path)).blob();
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a); a.click(); a.remove();
}

async function showReturn(body, form) {
  const query = period(form);
  const data = await (await call("/api/tab/return?" + query)).json();
  const csv = el("button", { type: "button", text: "Download CSV" });
  const xml = el("button", { type: "button", text: "Download census XML" });
  csv.addEventListener("click", () => download("/api/tab/return.csv?" + query, "s47-return.csv").catch((e) => showProblem(e.message)));
  xml.addEventListener("click", () => download("/api/tab/return.xml?" + query, "s47-return.xml").catch((e) => showProblem(e.message)));
  body.replaceChildren(el("p", {}, csv, " ", xml),
    table("Section 47 enquiries started in the period", ["Child reference", "S47 start", "ICPC target", "ICPC held", "ICPC not required"],
      data.rows.map((r) => [r.child_reference, r.s47_start, r.icpc_target || "—", r.icpc_date || "—", r.icpc_not_required ? "yes" : "no"])),
    data.problems.length
      ? table("What fails the census's validation rules", ["Child reference", "Rule", "Field", "Severity", "Problem"],
          data.problems.map((p) => [p.child_reference, p.rule, p.field, p.severity, p.message]))
      : el("p", { class: "ok", text: "Every row passes the census's validation rules for these fields." }));
}

const views = { mine: showMine, overdue: showOverdue, timeliness: showTimeliness, return: showReturn };

async function open(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const selected = tab.id === "tab-" + name;
    tab.setAttribute("aria-selected", String(selected));
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
  }
  const section = document.getElementById("view-" + name);
  section.dataset.loaded = "false";
  try {
    showProblem("");
    await views[name](section.querySelector(".body"), section.querySelector("form"));
  } catch (error) { showProblem(error.message); }
  section.dataset.loaded = "true";  // what the browser tests wait for
}

document.addEventListener("DOMContentLoaded", async () => {
  document.getElementById("local-banner").hidden = mode !== "local";
  await startTeams();
  for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => open(tab.id.slice(4)));
  for (const form of document.querySelectorAll("form.period")) {
    form.addEventListener("submit", (event) => { event.preventDefault(); open(form.dataset.view); });
  }
  try {
    const me = await (await call("/api/tab/me")).json();
    document.getElementById("who").textContent = (me.name ? me.name + " · " : "") +
      ({ manager: "Manager: the whole service", chair: "Chair: your discussions", none: "Not a chair or manager" })[me.role];
  } catch (error) { showProblem(error.message); }
  await open("mine");
  document.body.dataset.ready = "true";
});
