// History page: confirm before deleting; refresh while analyses are queued or running.
(function () {
  "use strict";
  document.querySelectorAll("button.delete").forEach(function (btn) {
    btn.addEventListener("click", function (e) {
      if (!window.confirm("Delete this analysis and all its files (videos, report, data)?")) {
        e.preventDefault();
      }
    });
  });
  if (document.querySelector(".status.running, .status.queued")) {
    setTimeout(function () { window.location.reload(); }, 5000);
  }
})();
