// Reloads a progress page (templates/records/lrmx_batch_job.html) every two seconds while the
// job runs, i.e. while the page carries data-reload-while-running. No inline script (CSP).
(function () {
  "use strict";
  if (document.querySelector("[data-reload-while-running]")) {
    window.setTimeout(function () {
      window.location.reload();
    }, 2000);
  }
})();
