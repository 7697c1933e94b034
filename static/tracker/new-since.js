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
  var events = document.querySelectorAll(".event[data-updated]");
  for (var i = 0; i < events.length; i++) {
    var event = events[i];
    if (event.classList.contains("is-new")) continue; // already marked by ?since=
    if (!(Date.parse(event.getAttribute("data-updated")) > since)) continue;
    var label = document.createElement("p");
    label.className = "new-label";
    label.textContent = Date.parse(event.getAttribute("data-created")) > since
      ? "New since your last visit"
      : "Updated since your last visit";
    event.classList.add("is-new");
    event.insertBefore(label, event.firstChild);
  }
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
