/* The page's only script, on the page of a check under way: every 2 s it asks this same page
   again (same address, same origin) and shows the new steps, then the result, in place. New
   steps are added to the list (a screen reader says each once: aria-live), never reloaded.
   Without it the page works the same: its "Show the latest steps" link reloads it. */
(function () {
  "use strict";
  var EVERY_MS = 2000;

  function update(fresh) {
    var live = document.getElementById("check-live");
    var parts = fresh.querySelectorAll("[data-part]");
    for (var i = 0; i < parts.length; i++) {
      var here = document.getElementById(parts[i].id);
      if (!here) {
        // Another shape (a check ended and another began): the whole part anew.
        live.replaceChildren.apply(live, adopt(fresh.getElementById("check-live").childNodes));
        break;
      }
      if (here.tagName === "OL") {
        var have = here.children.length;
        var items = parts[i].children;
        for (var j = have; j < items.length; j++) {
          here.appendChild(document.importNode(items[j], true));
        }
      } else {
        here.replaceChildren.apply(here, adopt(parts[i].childNodes));
      }
    }
    var running = fresh.getElementById("check-live").getAttribute("data-running");
    live.setAttribute("data-running", running);
    return running === "true";
  }

  function adopt(nodes) {
    var out = [];
    for (var i = 0; i < nodes.length; i++) out.push(document.importNode(nodes[i], true));
    return out;
  }

  function again() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) {
        if (!answer.ok) throw new Error(String(answer.status));
        return answer.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        if (fresh.getElementById("check-live") && update(fresh)) {
          window.setTimeout(again, EVERY_MS);
        }
      })
      .catch(function () {
        // The agent stopped, or the session ended: the link still reloads the page.
      });
  }

  var live = document.getElementById("check-live");
  if (live && live.getAttribute("data-running") === "true") {
    window.setTimeout(again, EVERY_MS);
  }
})();
