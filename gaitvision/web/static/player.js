// Results page: side/rear/front tabs and the slow-motion player (rate 0.1x-1x, frame stepping,
// jump to each initial contact (IC) and toe-off (TO)).
(function () {
  "use strict";
  var panels = Array.prototype.slice.call(document.querySelectorAll(".panel"));
  // Touch screens have no arrow keys: hide the keyboard hint there.
  if (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) {
    document.querySelectorAll(".keys").forEach(function (p) { p.hidden = true; });
  }

  function activePanel() {
    for (var i = 0; i < panels.length; i++) if (!panels[i].hidden) return panels[i];
    return null;
  }

  document.querySelectorAll(".tab").forEach(function (tab) {
    tab.addEventListener("click", function () {
      panels.forEach(function (p) {
        var on = p.dataset.view === tab.dataset.tab;
        p.hidden = !on;
        if (!on && p.player) p.player.video.pause();
      });
      document.querySelectorAll(".tab").forEach(function (t) {
        t.classList.toggle("on", t === tab);
        t.setAttribute("aria-selected", t === tab ? "true" : "false");
      });
    });
  });

  // The player has its own controls under the video (never over the frame). Speeds are
  // in REAL time: a clip that is already slow (the report's slow motion, or a phone's
  // slow-motion file with its time scale) gets a playback rate that accounts for that,
  // and the read-out shows the real time of the frame on screen.
  function Player(panel) {
    var video = panel.querySelector("video");
    if (!video) return null;
    var fps = Number(panel.dataset.fps) || 30;
    var sourceFps = Number(panel.dataset.sourceFps) || fps;
    var timeScale = Number(panel.dataset.timeScale) || 1;
    var out = panel.querySelector(".frame-out");
    var rateOut = panel.querySelector(".rate-out");
    var range = panel.querySelector(".rate-range");
    var seek = panel.querySelector(".seek");
    var playBtn = panel.querySelector(".play");
    var events = Array.prototype.slice.call(panel.querySelectorAll(".ev"));
    var eventBox = panel.querySelector(".events");
    var rate = 0.25;

    // Real seconds of motion per second of this clip.
    function realFactor() { return (fps / sourceFps) / timeScale; }
    function setRate(r) {
      r = Math.max(0.1, Math.min(1, Number(r) || 0.25));
      rate = r;
      var pr = Math.max(0.0625, Math.min(16, r / realFactor()));
      video.defaultPlaybackRate = pr;
      video.playbackRate = pr;
      rateOut.textContent = (Math.round(r * 100) / 100) + "×";
      range.value = r;
      panel.querySelectorAll(".rate").forEach(function (b) {
        b.classList.toggle("on", Math.abs(Number(b.dataset.rate) - r) < 1e-6);
      });
    }
    function frameOf(t) { return Math.floor(t * fps + 1e-3); }
    function lastFrame() {
      return isFinite(video.duration) && video.duration > 0 ? Math.max(0, Math.ceil(video.duration * fps) - 1) : Infinity;
    }
    function showFrame(n) {
      n = Math.max(0, Math.min(lastFrame(), n));
      video.pause();
      video.currentTime = (n + 0.5) / fps;  // mid-frame: lands on frame n, never its neighbour
      update(n);
    }
    function update(n) {
      var f = n === undefined ? frameOf(video.currentTime) : n;
      var real = (f / fps) * realFactor();
      out.textContent = panel.dataset.mode === "stride" ? "frame " + f + " · " + f + " % of the stride"
        : "frame " + f + " · " + real.toFixed(3) + " s real time";
      out.dataset.frame = f;
      out.dataset.real = real.toFixed(4);
      events.forEach(function (b) { b.classList.toggle("near", eventFrame(b) === f); });
      playBtn.textContent = video.paused ? "Play" : "Pause";
      if (isFinite(video.duration) && video.duration > 0 && document.activeElement !== seek) {
        seek.value = Math.round(1000 * video.currentTime / video.duration);
      }
    }
    function step(d) { showFrame(frameOf(video.currentTime) + d); }
    function eventFrame(b) {
      // The event's own frame on a clip with the source's timing, else from its real time.
      if (Math.abs(fps - sourceFps) < 0.01 && timeScale === 1) return Number(b.dataset.frame);
      return Math.round(Number(b.dataset.time) / realFactor() * fps);
    }
    function jump(b) { showFrame(eventFrame(b)); }
    function nextEvent(dir) {
      var f = frameOf(video.currentTime);
      var cands = events.map(function (b) { return { b: b, f: eventFrame(b) }; }).filter(function (c) { return dir > 0 ? c.f > f : c.f < f; });
      if (!cands.length) return;
      cands.sort(function (a, b) { return dir > 0 ? a.f - b.f : b.f - a.f; });
      showFrame(cands[0].f);
    }
    function toggle() { if (video.paused) video.play(); else video.pause(); }

    panel.querySelectorAll(".rate").forEach(function (b) {
      b.addEventListener("click", function () { setRate(b.dataset.rate); });
    });
    range.addEventListener("input", function () { setRate(range.value); });
    seek.addEventListener("input", function () {
      if (isFinite(video.duration)) showFrame(frameOf(video.duration * Number(seek.value) / 1000));
    });
    panel.querySelectorAll(".step").forEach(function (b) {
      b.addEventListener("click", function () { step(Number(b.dataset.step)); });
    });
    panel.querySelectorAll(".evnav").forEach(function (b) {
      b.addEventListener("click", function () { nextEvent(Number(b.dataset.dir)); });
    });
    events.forEach(function (b) { b.addEventListener("click", function () { jump(b); }); });
    playBtn.addEventListener("click", toggle);
    video.addEventListener("click", toggle);
    var select = panel.querySelector(".clip-select");
    if (select) {
      select.addEventListener("change", function () {
        var opt = select.options[select.selectedIndex];
        fps = Number(opt.dataset.fps) || Number(panel.dataset.fps) || 30;
        video.src = select.value;
        video.load();
        if (eventBox) eventBox.hidden = opt.dataset.realtime !== "1";
      });
    }
    ["timeupdate", "seeked", "play", "pause"].forEach(function (ev) {
      video.addEventListener(ev, function () { update(); });
    });
    video.addEventListener("loadedmetadata", function () { setRate(rate); update(); });
    if (video.requestVideoFrameCallback) {
      var onFrame = function (now, meta) {
        if (!video.paused) update(frameOf(meta.mediaTime));
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    }
    setRate(rate);
    update();
    return { video: video, step: step, toggle: toggle, setRate: setRate };
  }

  panels.forEach(function (p) { p.player = Player(p); });

  window.addEventListener("keydown", function (e) {
    var t = e.target;
    var tag = t && t.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.altKey || e.ctrlKey || e.metaKey) return;
    var p = activePanel();
    if (!p || !p.player) return;
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      e.preventDefault();
      e.stopPropagation();
      p.player.step(e.key === "ArrowRight" ? 1 : -1);
    } else if (e.key === " " && tag !== "BUTTON") {
      e.preventDefault();
      p.player.toggle();
    }
  }, true);
})();
