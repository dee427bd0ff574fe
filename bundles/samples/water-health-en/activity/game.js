/* "Safe or not safe?": a card game for the Learning Hub sample course.
   Plain JavaScript, no storage and no network: it runs offline in a sandboxed frame and
   only tells its parent page the score at the end. */
(function () {
  "use strict";

  var cards = [
    { text: "Water from a clean tap, stored in a bottle with a lid.", safe: true,
      why: "A lid keeps out flies, dust and hands." },
    { text: "Cloudy water scooped from a pond where goats drink.", safe: false,
      why: "Animals leave germs in the water. Settle, filter and boil it first." },
    { text: "Washing your hands with soap before you eat.", safe: true,
      why: "Soap and water wash the germs off your hands." },
    { text: "Dipping your hands into the drinking-water bucket to fill a cup.", safe: false,
      why: "Hands can carry germs into the water. Pour it out instead." },
    { text: "Water that bubbled hard for one minute, then cooled in a covered pot.", safe: true,
      why: "Boiling kills the germs, and the lid keeps the water clean." },
    { text: "Clear water from a well dug next to a latrine.", safe: false,
      why: "Clear is not always clean: dirty water can soak through the ground." },
    { text: "Water that was only poured through a cloth.", safe: false,
      why: "A cloth takes away mud but not all the germs. Boil it too." },
    { text: "Rinsing fruit with safe water before eating it.", safe: true,
      why: "Washing food with safe water removes dirt and germs." }
  ];

  var index = 0;
  var score = 0;
  var answered = false;

  var el = function (id) { return document.getElementById(id); };
  var card = el("card");
  var feedback = el("feedback");
  var progress = el("progress");
  var buttons = el("buttons");
  var next = el("btn-next");
  var done = el("done");

  function show() {
    answered = false;
    card.textContent = cards[index].text;
    progress.textContent = "Card " + (index + 1) + " of " + cards.length;
    feedback.textContent = "";
    feedback.className = "feedback";
    buttons.hidden = false;
    next.hidden = true;
    card.hidden = false;
    done.hidden = true;
  }

  function answer(saysSafe) {
    if (answered) { return; }
    answered = true;
    var right = cards[index].safe === saysSafe;
    if (right) { score += 1; }
    feedback.textContent = (right ? "Right! " : "Not quite. ") + cards[index].why;
    feedback.className = "feedback " + (right ? "right" : "wrong");
    buttons.hidden = true;
    next.hidden = false;
    next.textContent = index + 1 < cards.length ? "Next card" : "See my score";
    next.focus();
  }

  function finish() {
    card.hidden = true;
    buttons.hidden = true;
    next.hidden = true;
    feedback.textContent = "";
    progress.textContent = "";
    done.hidden = false;
    el("done-title").textContent = score * 2 >= cards.length ? "Well done!" : "Good try!";
    el("result").textContent = "You got " + score + " out of " + cards.length + " cards right." +
      (score === cards.length ? "" : " Read the lesson again, then play once more.");
    if (window.parent && window.parent !== window) {
      window.parent.postMessage({ type: "hub:score", score: score, max: cards.length }, "*");
    }
  }

  el("btn-safe").addEventListener("click", function () { answer(true); });
  el("btn-unsafe").addEventListener("click", function () { answer(false); });
  next.addEventListener("click", function () {
    index += 1;
    if (index < cards.length) { show(); } else { finish(); }
  });
  el("btn-again").addEventListener("click", function () {
    index = 0;
    score = 0;
    show();
  });

  show();
}());
