/* What a lesson page records: started, time spent, where a video was left, activity scores.
   ES5 on purpose: old Android browsers. */
(function () {
  "use strict";
  var article = document.querySelector("[data-lesson]");
  if (!article || !window.hubProgress) { return; }
  var course = article.getAttribute("data-course");
  var lesson = article.getAttribute("data-lesson");
  var record = function (type, payload) { window.hubProgress.record(type, course, lesson, payload); };
  record("lesson_started", {});

  // Time spent: only while the page is visible, sent in whole minutes and when leaving.
  var visibleSince = document.hidden ? null : Date.now();
  var pending = 0;
  function addVisibleTime() {
    if (visibleSince !== null) { pending += (Date.now() - visibleSince) / 1000; }
    visibleSince = document.hidden ? null : Date.now();
  }
  function sendTime() {
    addVisibleTime();
    var seconds = Math.min(Math.floor(pending), 3600);
    if (seconds >= 1) { pending -= seconds; record("time_spent", { seconds: seconds }); }
  }
  document.addEventListener("visibilitychange", sendTime);
  window.addEventListener("pagehide", sendTime);
  window.setInterval(sendTime, 60000);

  // Video and audio: resume where the learner stopped; remember the place while watching.
  var media = article.querySelector("video, audio");
  if (media) {
    var resume = parseFloat(media.getAttribute("data-resume") || "0");
    var seekToResume = function () {
      if (resume > 1 && (!media.duration || resume < media.duration - 2)) { media.currentTime = resume; }
    };
    if (media.readyState >= 1) { seekToResume(); } else { media.addEventListener("loadedmetadata", seekToResume); }
    var lastSent = resume;
    var sendPosition = function () {
      var at = Math.round(media.currentTime * 10) / 10;
      if (Math.abs(at - lastSent) >= 1) { lastSent = at; record("media_position", { seconds: at }); }
    };
    media.addEventListener("timeupdate", function () {
      if (Math.abs(media.currentTime - lastSent) >= 10) { sendPosition(); }
    });
    media.addEventListener("pause", sendPosition);
    media.addEventListener("seeked", sendPosition);
    media.addEventListener("ended", function () { sendPosition(); record("lesson_completed", {}); });
  }

  // HTML5 activities run sandboxed; they may report a score with postMessage.
  var activity = article.querySelector("iframe.activity");
  if (activity) {
    window.addEventListener("message", function (event) {
      if (event.source !== activity.contentWindow) { return; }
      var data = event.data || {};
      var max = Math.floor(Number(data.max));
      var score = Math.floor(Number(data.score));
      if (data.type !== "hub:score" || !(max >= 1 && max <= 100) || !(score >= 0 && score <= max)) { return; }
      record("quiz_scored", { score: score, max: max, assessment: "practice" });
      record("lesson_completed", {});
    });
  }
})();
