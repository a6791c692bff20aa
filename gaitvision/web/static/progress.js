// Progress page: poll the job's status once a second; show the results when done.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || box.dataset.status === "failed" || box.dataset.status === "cancelled") return;
  var id = box.dataset.job;
  var bar = document.getElementById("job-bar");
  var pct = document.getElementById("job-percent");
  var stage = document.getElementById("job-stage");
  var title = document.getElementById("job-title");
  var elapsed = document.getElementById("job-elapsed");
  var errorBox = document.getElementById("job-error");
  var etaBox = document.getElementById("job-eta");
  var order = ["decoding", "pose", "kinematics", "rendering"];
  var shown = 0;        // the bar only moves forward
  var furthest = -1;    // nor do the stage chips (two clips run pose twice)

  function render(job) {
    var p = Math.max(shown, Math.min(100, job.percent || 0));
    shown = p;
    bar.style.width = p + "%";
    pct.textContent = Math.round(p) + "%";
    var label = job.stage ? job.stage.charAt(0).toUpperCase() + job.stage.slice(1) : "";
    if (order.indexOf(job.stage) >= 0) label += " " + Math.round(job.stage_percent || 0) + "%";
    var waiting = job.message || "Waiting for a free worker";
    if (job.queue_position > 1) waiting += " (" + (job.queue_position - 1) + " ahead in the queue)";
    stage.textContent = job.status === "queued" ? waiting : label;
    title.textContent = job.status === "queued" ? "Waiting in the queue" : "Analysing";
    elapsed.textContent = job.elapsed_s ? "· " + Math.round(job.elapsed_s) + " s" : "";
    etaBox.textContent = job.eta_s != null ? "· about " + fmtEta(job.eta_s) + " left" : "";
    var idx = Math.max(furthest, order.indexOf(job.stage));
    furthest = idx;
    document.querySelectorAll("#stages li").forEach(function (li, i) {
      li.classList.toggle("done", idx > i || job.status === "done");
      li.classList.toggle("now", idx === i);
    });
  }

  function fmtEta(s) {
    s = Math.max(1, Math.round(s));
    return s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : s + " s";
  }

  function poll() {
    fetch("/api/jobs/" + id, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) {
        if (r.status === 404) throw new Error("This analysis was deleted.");
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (job) {
        box.dataset.status = job.status;
        render(job);
        if (job.status === "done" || job.status === "failed" || job.status === "cancelled") {
          window.location.reload();
          return;
        }
        setTimeout(poll, 1000);
      })
      .catch(function (err) {
        errorBox.hidden = false;
        errorBox.textContent = "Lost contact with the server (" + err.message + "); retrying…";
        setTimeout(function () { errorBox.hidden = true; poll(); }, 3000);
      });
  }
  poll();
})();
