// The subject search of a new talk (templates/talks/new.html): the page works without this
// script (a GET search form whose matches link to ?subject=ID). With it, the matches appear
// while typing: the same page is fetched with ?q= and its server-rendered (translated) match
// list replaces the one shown. No inline script (CSP script-src 'self'); no text in this file.
(function () {
  "use strict";

  var form = document.querySelector("[data-testid=subject-search]");
  if (!form || !window.fetch || !window.DOMParser) {
    return;
  }
  var input = form.querySelector("input[name=q]");
  var results = form.querySelector("[data-subject-results]");
  var timer = null;
  var latest = 0;

  function search() {
    var q = input.value.trim();
    var ticket = ++latest;
    if (!q) {
      results.innerHTML = "";
      return;
    }
    var url = form.getAttribute("action") + "?q=" + encodeURIComponent(q);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || ticket !== latest) {
          return; // a newer search was started, or the page failed: keep what is shown
        }
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("[data-subject-results]");
        if (fresh) {
          results.replaceChildren.apply(results, Array.prototype.slice.call(fresh.childNodes));
        }
      })
      .catch(function () {
        /* offline or signed out: the search button still works */
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);
  });
})();
