// Listen: reads a digest aloud in the browser with the Web Speech API.
// Play/pause, next item and speed; no server. Each [data-digest-item] is an
// item; its [data-speak] elements are spoken in order, one utterance each
// (short utterances avoid Chrome cutting off long ones).
(function () {
  "use strict";

  var root = document.querySelector("[data-digest]");
  var control = document.querySelector("[data-listen]");
  if (!root || !control) return;

  var synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function") {
    var note = document.querySelector("[data-listen-unsupported]");
    if (note) note.hidden = false;
    return;
  }

  var items = Array.prototype.slice.call(root.querySelectorAll("[data-digest-item]"));
  var play = control.querySelector("[data-listen-play]");
  var label = control.querySelector("[data-listen-label]");
  var icon = control.querySelector(".listen-icon");
  var next = control.querySelector("[data-listen-next]");
  var speed = control.querySelector("[data-listen-speed]");
  var status = control.querySelector("[data-listen-status]");
  if (!items.length || !play || !next || !speed) return;

  var SPEED_KEY = "casebook.digest.rate";
  try {
    var saved = window.localStorage.getItem(SPEED_KEY);
    if (saved && speed.querySelector('option[value="' + saved + '"]')) speed.value = saved;
  } catch (e) { /* storage may be unavailable; the default speed is fine */ }

  // state: "idle" | "playing" | "paused"
  var state = "idle";
  var item = 0;
  var part = 0;
  // Bumped on every cancel, so callbacks of cancelled utterances are ignored.
  var generation = 0;
  var current = null;

  function parts(i) {
    return items[i] ? items[i].querySelectorAll("[data-speak]") : [];
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function render() {
    var playing = state === "playing";
    play.setAttribute("aria-pressed", playing ? "true" : "false");
    label.textContent = playing ? "Pause" : state === "paused" ? "Resume" : "Listen";
    if (icon) icon.textContent = playing ? "❚❚" : "▶";
    next.disabled = item >= items.length - 1 && state === "idle";
    items.forEach(function (el, i) {
      el.classList.toggle("is-speaking", state !== "idle" && i === item);
    });
    Array.prototype.forEach.call(root.querySelectorAll("[data-speak].is-speaking"), function (el) {
      el.classList.remove("is-speaking");
    });
    if (state !== "idle" && current) current.classList.add("is-speaking");
  }

  function finish() {
    generation++;
    state = "idle";
    item = 0;
    part = 0;
    current = null;
    say("Finished reading.");
    render();
  }

  function speakCurrent() {
    var list = parts(item);
    while (part >= list.length) {
      item++;
      part = 0;
      if (item >= items.length) {
        finish();
        return;
      }
      list = parts(item);
    }
    current = list[part];
    var text = (current.textContent || "").replace(/\s+/g, " ").trim();
    var token = generation;
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.rate = parseFloat(speed.value) || 1;
    utterance.lang = document.documentElement.lang || "en";
    utterance.onend = function () {
      if (token !== generation || state === "idle") return;
      part++;
      speakCurrent();
    };
    utterance.onerror = function (event) {
      if (token !== generation) return;
      var reason = event && event.error;
      if (reason === "interrupted" || reason === "canceled") return;
      generation++;
      state = "idle";
      say("Speech stopped: " + (reason || "the browser could not speak") + ".");
      render();
    };
    say("Reading item " + (item + 1) + " of " + items.length + ".");
    render();
    if (part === 0 && item > 0 && items[item].scrollIntoView) {
      items[item].scrollIntoView({ block: "start", behavior: "smooth" });
    }
    synth.speak(utterance);
  }

  function restart() {
    generation++;
    synth.cancel();
    speakCurrent();
  }

  play.addEventListener("click", function () {
    if (state === "playing") {
      synth.pause();
      state = "paused";
      say("Paused.");
      render();
    } else if (state === "paused") {
      state = "playing";
      synth.resume();
      // Some engines drop the queue on pause; speak again if nothing is pending.
      if (!synth.speaking && !synth.pending) restart();
      render();
    } else {
      state = "playing";
      restart();
    }
  });

  next.addEventListener("click", function () {
    if (item >= items.length - 1) {
      if (state !== "idle") {
        synth.cancel();
        finish();
      }
      return;
    }
    item++;
    part = 0;
    if (state === "idle") {
      current = parts(item)[0] || null;
      state = "playing";
    } else if (state === "paused") {
      state = "playing";
      synth.resume();
    }
    restart();
  });

  speed.addEventListener("change", function () {
    try {
      window.localStorage.setItem(SPEED_KEY, speed.value);
    } catch (e) { /* not remembered; still applied */ }
    if (state === "playing") restart();
  });

  window.addEventListener("pagehide", function () {
    generation++;
    synth.cancel();
  });

  control.hidden = false;
  render();
})();
