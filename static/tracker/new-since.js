/* "New since your last visit": remembers, per story, how up to date the page
   was when the reader last saw it, and marks the events added or changed
   since. The page is complete without this script. */
(function () {
  "use strict";
  var story = document.querySelector("[data-story-updated]");
  if (!story) return;
  var key = "tracker:seen:" + location.pathname;
  var seen;
  try {
    seen = window.localStorage.getItem(key);
    window.localStorage.setItem(key, story.getAttribute("data-story-updated"));
  } catch (error) {
    return; // Storage disabled: nothing to compare with.
  }
  var since = Date.parse(seen || "");
  if (isNaN(since)) return;
  if (story.querySelector(".since-note")) return; // ?since= marked the page and summed it up
  var events = document.querySelectorAll(".event");
  var list = document.createElement("ul"), counts = { "new": 0, corrected: 0 };
  for (var i = 0; i < events.length; i++) {
    var event = events[i];
    var times = event.querySelectorAll(".posted time");
    if (!times.length || !(Date.parse(times[times.length - 1].dateTime) > since)) continue;
    var change = Date.parse(times[0].dateTime) > since ? "new" : "corrected";
    var label = document.createElement("p");
    label.className = "new-label";
    label.textContent = (change === "new" ? "New" : "Updated") + " since your last visit";
    event.classList.add("is-new");
    event.insertBefore(label, event.firstChild);
    counts[change] += 1;
    var item = list.appendChild(document.createElement("li"));
    var link = item.appendChild(document.createElement("a"));
    link.href = "#" + event.id;
    link.textContent = event.querySelector("h3").textContent;
    item.appendChild(document.createTextNode(" (" + change + ")"));
  }
  var total = counts["new"] + counts.corrected;
  if (!total) return;
  // "2 new and 1 corrected events since you were here on 12 April, 10:00"
  var note = document.createElement("div"), line = document.createElement("p");
  note.className = "since-note";
  line.appendChild(document.createElement("strong")).textContent =
    [counts["new"] && counts["new"] + " new", counts.corrected && counts.corrected + " corrected"]
      .filter(Boolean).join(" and ") + (total === 1 ? " event" : " events") +
    " since you were here on " + new Date(since).toLocaleString(undefined,
      { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
  line.appendChild(document.createTextNode(", marked below:"));
  note.appendChild(line);
  note.appendChild(list);
  story.querySelector(".story-header").appendChild(note);
})();

/* A link to a quote wording inside a closed <details> opens it. */
(function () {
  "use strict";
  function reveal() {
    var target;
    try {
      target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    } catch (error) {
      return; // A malformed address: nothing to open.
    }
    var details = target && target.closest("details");
    if (details) {
      details.open = true;
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();

/* Live updates: while visible, the page asks what changed since it was
   rendered and says so without moving: "3 new updates · Show", the count in
   the tab's title. Hidden tabs do not ask; failures back off. */
(function () {
  "use strict";
  var story = document.querySelector("[data-updates]");
  if (!story || !window.fetch) return;
  var address = story.getAttribute("data-updates") + "?since=" +
    encodeURIComponent(story.getAttribute("data-story-updated"));
  var EVERY = (parseInt(story.getAttribute("data-poll-seconds"), 10) || 30) * 1000, LONGEST = 10 * EVERY;
  var wait = EVERY, timer = null, last = 0, title = document.title, notice = null;

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function show(data) {
    var count = data.new + data.updated;
    if (!count) return;
    if (!notice) {
      notice = document.createElement("div");
      notice.className = "live-notice";
      notice.setAttribute("role", "status");
      document.body.appendChild(notice);
    }
    var words = data.updated && data.new
      ? data.new + " new, " + data.updated + " corrected"
      : data.new ? plural(data.new, "new update") : plural(data.updated, "corrected update");
    notice.textContent = words + " · ";
    var link = document.createElement("a");
    link.href = data.show;
    link.textContent = "Show";
    notice.appendChild(link);
    document.title = "(" + count + ") " + title;
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = document.hidden ? null : setTimeout(poll, delay);
  }

  function poll() {
    last = Date.now();
    fetch(address, { cache: "no-cache", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) { wait = EVERY; show(data); })
      .catch(function () { wait = Math.min(wait * 2, LONGEST); })
      .then(function () { schedule(wait); });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { clearTimeout(timer); timer = null; return; }
    schedule(Math.max(0, wait - (Date.now() - last)));
  });
  schedule(EVERY);
})();
