// The progress page of a batch export job (templates/records/batch_job.html): polls the job's
// JSON status every second and updates the Bootstrap progress bar in place; shows the download
// link when the job is done and the reason when it failed. No inline script (CSP script-src
// 'self'); the bar's width is set through the CSSOM, which style-src 'self' allows. Texts come
// from the page (translated on the server), never from this file.
(function () {
  "use strict";

  var card = document.querySelector("[data-job-status-url]");
  if (!card) {
    return;
  }
  var url = card.getAttribute("data-job-status-url");
  var bar = card.querySelector("[data-job-bar]");
  var fill = card.querySelector("[data-job-fill]");
  var stateText = card.querySelector("[data-job-state]");
  var countText = card.querySelector("[data-job-count]");
  var percentText = card.querySelector("[data-job-percent]");
  var messageBox = card.querySelector("[data-job-message]");
  var errorBox = card.querySelector("[data-job-error]");
  var download = card.querySelector("[data-job-download]");
  var hint = card.querySelector("[data-job-hint]");
  var countFormat = document.querySelector("template[data-count-format]");
  var lostText = document.querySelector("template[data-lost-text]");
  var INTERVAL = 1000;
  var failures = 0;

  function show(element, visible) {
    if (element) {
      element.classList.toggle("d-none", !visible);
    }
  }

  function render(status) {
    var total = Number(status.total) || 0;
    var done = Number(status.done) || 0;
    var percent = total ? Math.round((100 * done) / total) : 0;
    fill.style.width = percent + "%";
    bar.setAttribute("aria-valuenow", String(done));
    bar.setAttribute("aria-valuemax", String(total));
    card.setAttribute("data-state", status.state);
    card.setAttribute("data-done", String(done));
    if (status.state_label) {
      stateText.textContent = status.state_label;
    }
    if (countFormat) {
      countText.textContent = countFormat.content.textContent
        .replace("{done}", String(done))
        .replace("{total}", String(total));
    }
    percentText.textContent = "（" + percent + "%）";
    var running = status.state === "queued" || status.state === "running";
    fill.classList.toggle("progress-bar-striped", running);
    fill.classList.toggle("progress-bar-animated", running);
    fill.classList.toggle("bg-success", status.state === "done");
    fill.classList.toggle("bg-danger", status.state === "failed");
    show(hint, running);
    if (status.state === "failed") {
      errorBox.textContent = status.message || "";
      show(errorBox, true);
      show(messageBox, false);
    } else {
      messageBox.textContent = status.message || "";
      show(messageBox, Boolean(status.message));
    }
    if (status.download_url) {
      download.querySelector("a").setAttribute("href", status.download_url);
      show(download, true);
    }
    return running;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404) {
          errorBox.textContent = lostText ? lostText.content.textContent : "";
          show(errorBox, true);
          show(hint, false);
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        failures = 0;
        if (status && render(status)) {
          window.setTimeout(poll, INTERVAL);
        }
      })
      .catch(function () {
        // a restart or a network hiccup: keep trying, more slowly
        failures += 1;
        window.setTimeout(poll, Math.min(30000, INTERVAL * Math.pow(2, failures)));
      });
  }

  render({
    state: card.getAttribute("data-state"),
    done: card.getAttribute("data-done"),
    total: card.getAttribute("data-total"),
    message: (card.getAttribute("data-state") === "failed" ? errorBox : messageBox).textContent,
    download_url: download.classList.contains("d-none")
      ? null
      : download.querySelector("a").getAttribute("href"),
  });
  var initial = card.getAttribute("data-state");
  if (initial === "queued" || initial === "running") {
    window.setTimeout(poll, INTERVAL);
  }
})();
