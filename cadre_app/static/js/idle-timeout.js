// The idle timeout, from the user's side (base.html): warn before the session ends with a
// "保持登录" button that renews it, keep what the page's forms hold when it ends, and bring
// it back after signing in again (the login page returns here through ?next=).
//
// - The timer asks the server (GET /auth/session, which does not count as activity) how long
//   is left before warning or ending anything, so another tab's activity is respected.
// - 保持登录 POSTs to the same URL with the CSRF token in X-CSRFToken.
// - A draft is kept in sessionStorage (this tab only, gone when it closes), keyed by the page's
//   path and query; password, hidden and file fields are never kept. It is restored once, on
//   the same page, after the same user signs in again (within 12 hours), and then deleted.
// No inline script (CSP script-src 'self'); the texts come from the page, never from here.
(function () {
  "use strict";

  var DRAFT_PREFIX = "cadre-draft:";
  var DRAFT_HOURS = 12; // an older draft is dropped, not restored
  var SKIPPED_TYPES = ["password", "hidden", "file", "submit", "button", "reset", "image"];
  var body = document.body;
  var here = window.location.pathname + window.location.search;
  // Whose draft it is: another person signing in at the same browser tab never sees it.
  var owner = body.getAttribute("data-session-user") || "";

  // --- drafts -------------------------------------------------------------------------------

  function storage() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null; // storage disabled: nothing is kept, nothing breaks
    }
  }

  function draftForms() {
    return Array.prototype.filter.call(document.forms, function (form) {
      return (form.method || "").toLowerCase() === "post" && !form.hasAttribute("data-no-draft");
    });
  }

  function keptFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      var type = (field.type || "").toLowerCase();
      return field.name && !field.disabled && SKIPPED_TYPES.indexOf(type) === -1 &&
        field.getAttribute("autocomplete") !== "one-time-code";
    });
  }

  function saveDraft() {
    var store = storage();
    if (!store) {
      return false;
    }
    var forms = [];
    draftForms().forEach(function (form, index) {
      var values = {};
      var typed = false;
      keptFields(form).forEach(function (field) {
        var type = (field.type || "").toLowerCase();
        var entry = values[field.name] || (values[field.name] = []);
        if (type === "checkbox" || type === "radio") {
          if (field.checked) {
            entry.push(field.value);
          }
        } else if (field.tagName === "SELECT" && field.multiple) {
          Array.prototype.forEach.call(field.selectedOptions, function (option) {
            entry.push(option.value);
          });
        } else {
          entry.push(field.value);
        }
        if (field.value && type !== "checkbox" && type !== "radio") {
          typed = true;
        }
      });
      if (typed) {
        forms.push({ index: index, action: form.getAttribute("action") || "", values: values });
      }
    });
    if (!forms.length) {
      return false;
    }
    try {
      store.setItem(
        DRAFT_PREFIX + here,
        JSON.stringify({ owner: owner, saved: Date.now(), forms: forms })
      );
      return true;
    } catch (error) {
      return false;
    }
  }

  function restoreDraft() {
    var store = storage();
    var raw = store && store.getItem(DRAFT_PREFIX + here);
    if (!raw) {
      return;
    }
    store.removeItem(DRAFT_PREFIX + here);
    var draft;
    try {
      draft = JSON.parse(raw);
    } catch (error) {
      return;
    }
    if (draft.owner !== owner || Date.now() - draft.saved > DRAFT_HOURS * 3600 * 1000) {
      return;
    }
    var forms = draftForms();
    var restored = false;
    (draft.forms || []).forEach(function (saved) {
      var form = forms[saved.index];
      if (!form || (form.getAttribute("action") || "") !== saved.action) {
        return;
      }
      var seen = {};
      keptFields(form).forEach(function (field) {
        var values = saved.values[field.name];
        if (!values) {
          return;
        }
        var type = (field.type || "").toLowerCase();
        if (type === "checkbox" || type === "radio") {
          field.checked = values.indexOf(field.value) !== -1;
        } else if (field.tagName === "SELECT" && field.multiple) {
          Array.prototype.forEach.call(field.options, function (option) {
            option.selected = values.indexOf(option.value) !== -1;
          });
        } else {
          var position = seen[field.name] || 0;
          seen[field.name] = position + 1;
          if (position < values.length) {
            field.value = values[position];
          }
        }
        restored = true;
      });
    });
    var notice = document.querySelector("[data-draft-restored]");
    if (restored && notice) {
      notice.classList.remove("d-none");
    }
  }

  // --- the timer ----------------------------------------------------------------------------

  var statusUrl = body.getAttribute("data-session-url");
  if (!statusUrl) {
    return; // not signed in: nothing to time (and no draft is restored on the login page)
  }
  restoreDraft();

  var loginUrl = body.getAttribute("data-login-url");
  var warnSeconds = parseInt(body.getAttribute("data-idle-warn"), 10) || 120;
  var timeoutSeconds = parseInt(body.getAttribute("data-idle-seconds"), 10) || 1800;
  var tokenMeta = document.querySelector("meta[name=csrf-token]");
  var warning = document.querySelector("[data-idle-warning]");
  var countdown = warning && warning.querySelector("[data-idle-countdown]");
  var keepButton = warning && warning.querySelector("[data-idle-keep]");
  var timer = null;
  var ticker = null;
  var deadline = Date.now() + timeoutSeconds * 1000;
  var ended = false;

  function schedule(seconds, action) {
    window.clearTimeout(timer);
    timer = window.setTimeout(action, Math.max(0, seconds) * 1000);
  }

  function showCountdown() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (countdown) {
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      countdown.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    }
  }

  function showWarning(visible) {
    if (!warning) {
      return;
    }
    warning.classList.toggle("d-none", !visible);
    window.clearInterval(ticker);
    if (visible) {
      showCountdown();
      ticker = window.setInterval(showCountdown, 1000);
    }
  }

  function end() {
    if (ended) {
      return;
    }
    ended = true;
    window.clearTimeout(timer);
    showWarning(false);
    saveDraft();
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(here));
  }

  function follow(state) {
    if (!state.signed_in || state.seconds_left <= 0) {
      end();
      return;
    }
    deadline = Date.now() + state.seconds_left * 1000;
    if (state.seconds_left <= warnSeconds) {
      showWarning(true);
      schedule(state.seconds_left, check);
    } else {
      showWarning(false);
      schedule(state.seconds_left - warnSeconds, check);
    }
  }

  function check() {
    fetch(statusUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store"
    })
      .then(function (response) {
        return response.json();
      })
      .then(follow)
      .catch(function () {
        schedule(30, check); // the server did not answer: ask again, end nothing
      });
  }

  function keepSignedIn() {
    fetch(statusUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRFToken": tokenMeta ? tokenMeta.getAttribute("content") : ""
      }
    })
      .then(function (response) {
        return response.json();
      })
      .then(follow)
      .catch(check);
  }

  if (keepButton) {
    keepButton.addEventListener("click", keepSignedIn);
  }

  function send(form, submitter) {
    if (form.requestSubmit) {
      form.requestSubmit(submitter || undefined); // keeps the pressed button's name and value
    } else {
      form.submit();
    }
  }

  // A form sent after the session ended would be answered with the login page and lost:
  // past the deadline, ask first, and keep the draft if it has ended.
  draftForms().forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (Date.now() < deadline || ended) {
        return;
      }
      event.preventDefault();
      fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json();
        })
        .then(function (state) {
          if (state.signed_in && state.seconds_left > 0) {
            deadline = Date.now() + state.seconds_left * 1000;
            send(form, event.submitter);
          } else {
            end();
          }
        })
        .catch(function () {
          send(form, event.submitter);
        });
    });
  });

  schedule(timeoutSeconds - warnSeconds, check);
})();
