// History page: confirm before deleting an analysis and its files.
(function () {
  "use strict";
  document.querySelectorAll(".delete-form").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm("Delete this analysis and all its files (videos, report, data)?")) {
        e.preventDefault();
      }
    });
  });
})();
