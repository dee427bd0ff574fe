/* «¿Qué fracción es?»: juego de la lección de fracciones del Learning Hub.
   JavaScript sencillo, sin almacenamiento ni red: funciona sin internet dentro de un marco
   aislado y al final solo le avisa el puntaje a la página que lo contiene. */
(function () {
  "use strict";

  // Cada ronda: partes de la barra, partes pintadas y las opciones (la primera es la correcta;
  // se muestran en otro orden).
  var rondas = [
    { partes: 2, pintadas: 1, opciones: ["1/2", "2/1", "1/3"] },
    { partes: 4, pintadas: 3, opciones: ["3/4", "4/3", "1/4"] },
    { partes: 3, pintadas: 1, opciones: ["1/3", "3/1", "1/2"] },
    { partes: 8, pintadas: 5, opciones: ["5/8", "3/8", "8/5"] },
    { partes: 5, pintadas: 2, opciones: ["2/5", "3/5", "2/3"] },
    { partes: 6, pintadas: 6, opciones: ["6/6 = 1", "1/6", "0/6"] }
  ];
  // Orden fijo para mostrar las opciones, distinto en cada ronda.
  var ordenes = [[1, 0, 2], [2, 1, 0], [0, 2, 1], [1, 2, 0], [2, 0, 1], [0, 1, 2]];

  var actual = 0;
  var puntos = 0;
  var contestada = false;

  var $ = function (id) { return document.getElementById(id); };
  var barra = $("barra");
  var opciones = $("opciones");
  var aviso = $("aviso");
  var seguir = $("seguir");

  function dibujarBarra(ronda) {
    barra.textContent = "";
    for (var i = 0; i < ronda.partes; i += 1) {
      var parte = document.createElement("span");
      parte.className = i < ronda.pintadas ? "parte pintada" : "parte";
      barra.appendChild(parte);
    }
    barra.setAttribute("aria-label", "Barra partida en " + ronda.partes +
      " partes iguales, con " + ronda.pintadas + " pintadas");
  }

  function mostrar() {
    var ronda = rondas[actual];
    contestada = false;
    $("ronda").textContent = "Ronda " + (actual + 1) + " de " + rondas.length;
    dibujarBarra(ronda);
    opciones.textContent = "";
    ordenes[actual].forEach(function (indice) {
      var boton = document.createElement("button");
      boton.type = "button";
      boton.textContent = ronda.opciones[indice];
      boton.addEventListener("click", function () { contestar(boton, indice === 0); });
      opciones.appendChild(boton);
    });
    aviso.textContent = "";
    aviso.className = "aviso";
    seguir.hidden = true;
    barra.hidden = false;
    opciones.hidden = false;
    $("final").hidden = true;
  }

  function contestar(boton, correcta) {
    if (contestada) { return; }
    contestada = true;
    var ronda = rondas[actual];
    if (correcta) { puntos += 1; }
    boton.className = correcta ? "bien" : "mal";
    aviso.className = "aviso " + (correcta ? "bien" : "mal");
    aviso.textContent = (correcta ? "¡Muy bien! " : "Casi. ") + "Hay " + ronda.pintadas +
      " de " + ronda.partes + " partes pintadas: " + ronda.opciones[0] + ".";
    seguir.textContent = actual + 1 < rondas.length ? "Siguiente" : "Ver mi puntaje";
    seguir.hidden = false;
    seguir.focus();
  }

  function terminar() {
    barra.hidden = true;
    opciones.hidden = true;
    seguir.hidden = true;
    aviso.textContent = "";
    $("ronda").textContent = "";
    $("final").hidden = false;
    $("resultado").textContent = "Acertaste " + puntos + " de " + rondas.length + ".";
    if (window.parent && window.parent !== window) {
      window.parent.postMessage({ type: "hub:score", score: puntos, max: rondas.length }, "*");
    }
  }

  seguir.addEventListener("click", function () {
    actual += 1;
    if (actual < rondas.length) { mostrar(); } else { terminar(); }
  });
  $("otra-vez").addEventListener("click", function () {
    actual = 0;
    puntos = 0;
    mostrar();
  });

  mostrar();
}());
