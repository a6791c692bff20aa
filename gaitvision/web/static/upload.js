// Upload page: drag and drop onto the side/rear/front boxes, upload with a progress bar.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var maxBytes = Number(form.dataset.maxBytes || 0);
  var errorBox = document.getElementById("upload-error");
  var barWrap = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-bar");
  var pct = document.getElementById("upload-pct");
  var button = document.getElementById("analyse");

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  function sizeText(n) {
    return n >= 1 << 30 ? (n / (1 << 30)).toFixed(1) + " GB" : (n / (1 << 20)).toFixed(1) + " MB";
  }

  var VIEWS = ["side", "rear", "front"];

  VIEWS.forEach(function (view) {
    var drop = document.getElementById("drop-" + view);
    var input = document.getElementById("file-" + view);
    var label = document.getElementById("name-" + view);
    function refresh() {
      var f = input.files && input.files[0];
      label.textContent = f ? f.name + " · " + sizeText(f.size) : "";
      drop.classList.toggle("has-file", !!f);
    }
    input.addEventListener("change", refresh);
    ["dragenter", "dragover"].forEach(function (ev) {
      drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      drop.addEventListener(ev, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        refresh();
      }
    });
    refresh();
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    showError("");
    var files = VIEWS.map(function (v) {
      var i = document.getElementById("file-" + v);
      return i.files && i.files[0];
    }).filter(Boolean);
    if (!files.length) { showError("Add a side clip, a rear or front clip, or both."); return; }
    if (files.length > 2) {
      showError("Add at most two clips of the run: a side clip and a rear or a front clip.");
      return;
    }
    for (var k = 0; k < files.length; k++) {
      if (maxBytes && files[k].size > maxBytes) {
        showError(files[k].name + " is " + sizeText(files[k].size) + ", over the " +
                  form.dataset.maxText + " limit; trim it or film a shorter clip.");
        return;
      }
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (ev) {
      if (!ev.lengthComputable) return;
      var p = Math.round(100 * ev.loaded / ev.total);
      bar.style.width = p + "%";
      pct.textContent = p < 100 ? "Uploading " + p + "%" : "Checking the video…";
    });
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
      if (xhr.status === 201 && data && data.url) {
        window.location.href = data.url;
        return;
      }
      barWrap.hidden = true;
      button.disabled = false;
      showError((data && data.detail) || ("Upload failed (HTTP " + xhr.status + ")."));
    };
    xhr.onerror = function () {
      barWrap.hidden = true;
      button.disabled = false;
      showError("The upload was interrupted (the file may be over the size limit, or the server stopped).");
    };
    barWrap.hidden = false;
    bar.style.width = "0%";
    pct.textContent = "Uploading 0%";
    button.disabled = true;
    xhr.send(new FormData(form));
  });
})();
