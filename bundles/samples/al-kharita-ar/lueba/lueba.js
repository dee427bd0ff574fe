/* «ماذا يوجد هناك؟»: لعبة درس قراءة الخريطة في Learning Hub.
   JavaScript بسيط، بلا تخزين وبلا شبكة: تعمل دون إنترنت داخل إطار معزول، وترسل النتيجة فقط
   إلى الصفحة التي تحتويها في النهاية. */
(function () {
  "use strict";

  // الخريطة صفوف من الشمال إلى الجنوب، وفي كل صف أماكن من الغرب إلى الشرق.
  var amakin = [
    { ism: "الغابة", ramz: "shajara" }, { ism: "البئر", ramz: "bir" }, { ism: "الجبل", ramz: "jabal" },
    { ism: "النهر", ramz: "nahr" }, { ism: "المدرسة", ramz: "madrasa" }, { ism: "السوق", ramz: "suq" },
    { ism: "الحقول", ramz: "haql" }, { ism: "المستوصف", ramz: "mustawsaf" }, { ism: "الملعب", ramz: "malab" }
  ];

  var asila = [
    { nass: "ماذا يوجد شمال المدرسة؟", jawab: 1 },
    { nass: "ماذا يوجد شرق المدرسة؟", jawab: 5 },
    { nass: "ماذا يوجد جنوب المدرسة؟", jawab: 7 },
    { nass: "ماذا يوجد غرب المدرسة؟", jawab: 3 },
    { nass: "ماذا يوجد شرق البئر؟", jawab: 2 },
    { nass: "ماذا يوجد جنوب النهر؟", jawab: 6 }
  ];

  var raqm = 0;
  var niqat = 0;
  var ujiba = false;
  var khanat = [];

  var $ = function (id) { return document.getElementById(id); };
  var radd = $("radd");
  var taali = $("taali");
  var kharita = $("kharita");

  // أرقام عربية مشرقية كما في كتب المدرسة.
  function arqam(n) {
    return String(n).replace(/[0-9]/g, function (d) { return "٠١٢٣٤٥٦٧٨٩".charAt(Number(d)); });
  }

  amakin.forEach(function (makan, i) {
    var zirr = document.createElement("button");
    zirr.type = "button";
    zirr.className = "khana";
    var ramz = document.createElement("span");
    ramz.className = "ramz " + makan.ramz;
    ramz.setAttribute("aria-hidden", "true");
    var ism = document.createElement("span");
    ism.textContent = makan.ism;
    zirr.appendChild(ramz);
    zirr.appendChild(ism);
    zirr.addEventListener("click", function () { ikhtar(i); });
    kharita.appendChild(zirr);
    khanat.push(zirr);
  });

  function ard() {
    ujiba = false;
    $("jawla").textContent = "السؤال " + arqam(raqm + 1) + " من " + arqam(asila.length);
    $("sual").textContent = asila[raqm].nass;
    khanat.forEach(function (k) { k.className = "khana"; });
    radd.textContent = "";
    radd.className = "radd";
    taali.hidden = true;
    $("nihaya").hidden = true;
    $("sual").hidden = false;
  }

  function ikhtar(i) {
    if (ujiba || !$("nihaya").hidden) { return; }
    ujiba = true;
    var sahih = asila[raqm].jawab;
    if (i === sahih) { niqat += 1; }
    khanat[sahih].className = "khana sahih";
    if (i !== sahih) { khanat[i].className = "khana khata"; }
    radd.className = "radd " + (i === sahih ? "sahih" : "khata");
    radd.textContent = i === sahih ? "صحيح! أحسنت." : "ليس تمامًا. الجواب: " + amakin[sahih].ism + ".";
    taali.textContent = raqm + 1 < asila.length ? "السؤال التالي" : "النتيجة";
    taali.hidden = false;
    taali.focus();
  }

  function intaha() {
    taali.hidden = true;
    radd.textContent = "";
    $("sual").hidden = true;
    $("jawla").textContent = "";
    khanat.forEach(function (k) { k.className = "khana"; });
    $("nihaya").hidden = false;
    $("unwan").textContent = niqat * 2 >= asila.length ? "أحسنت!" : "محاولة جيدة!";
    $("natija").textContent = "أجبت إجابة صحيحة عن " + arqam(niqat) + " من " + arqam(asila.length) + " أسئلة.";
    if (window.parent && window.parent !== window) {
      window.parent.postMessage({ type: "hub:score", score: niqat, max: asila.length }, "*");
    }
  }

  taali.addEventListener("click", function () {
    raqm += 1;
    if (raqm < asila.length) { ard(); } else { intaha(); }
  });
  $("mujaddadan").addEventListener("click", function () {
    raqm = 0;
    niqat = 0;
    ard();
  });

  ard();
}());
