/* The hub's PDF viewer: pdf.js draws each page on a canvas, only when it comes near the screen,
   and forgets the ones far away: old phones have little memory. A module, so a browser too old
   for pdf.js never runs it and keeps the download link that the page shows without script. */
import * as pdfjs from "/static/vendor/pdfjs/pdf.min.mjs";

const root = document.getElementById("pdf-viewer");
const toolbar = root.querySelector(".pdf-toolbar");
const status = root.querySelector(".pdf-status");
const message = root.querySelector(".pdf-message");
const pagesBox = root.querySelector(".pdf-pages");
const button = (action) => toolbar.querySelector(`[data-action="${action}"]`);

const ZOOM_STEPS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4]; // times the width that fits the screen
const MAX_CANVAS_PIXELS = 4 * 1024 * 1024; // a bigger canvas fails or stalls on old phones
const GAP = 8; // px left beside a fitted page, so its edge shows

let pdf = null;
let zoomIndex = ZOOM_STEPS.indexOf(1);
let fitWidth = 0; // width in CSS px that fits, at zoom 1
let current = 1;
const pages = []; // {box, size at scale 1, drawn: the scale on its canvas, busy, task, visible}

/** Only a file of the hub's own courses: same origin, under /content/. */
function contentUrl(raw) {
  let url;
  try {
    url = new URL(raw, window.location.href);
  } catch (_error) {
    return null;
  }
  // The URL parser has already resolved "..", so the path is the one that will be fetched.
  if (url.origin !== window.location.origin || !url.pathname.startsWith("/content/")) {
    return null;
  }
  return url.href;
}

function pageLabel(number) {
  return root.dataset.pageLabel.replace("{page}", number).replace("{pages}", pdf.numPages);
}

function fail(error) {
  console.error("PDF viewer:", error);
  toolbar.hidden = true;
  pagesBox.hidden = true;
  message.textContent = root.dataset.failed;
  message.hidden = false;
}

function scale(page) {
  return (ZOOM_STEPS[zoomIndex] * fitWidth) / page.size.width;
}

/** Give every page box its size at the current zoom; unknown sizes borrow page 1's shape. */
function layout() {
  fitWidth = Math.max(100, pagesBox.clientWidth - 2 * GAP);
  for (const page of pages) {
    const factor = scale(page);
    page.box.style.width = `${Math.floor(page.size.width * factor)}px`;
    page.box.style.height = `${Math.floor(page.size.height * factor)}px`;
  }
  // The toolbar wraps on narrow screens; a page scrolled to must start below it.
  const margin = `${toolbar.offsetHeight + GAP}px`;
  pages.forEach((page) => {
    page.box.style.scrollMarginTop = margin;
  });
  button("zoom-out").disabled = zoomIndex === 0;
  button("zoom-in").disabled = zoomIndex === ZOOM_STEPS.length - 1;
}

async function draw(page, number) {
  if (page.busy || page.drawn === scale(page)) {
    return;
  }
  page.busy = true;
  try {
    const pdfPage = await pdf.getPage(number);
    const natural = pdfPage.getViewport({ scale: 1 });
    if (natural.width !== page.size.width || natural.height !== page.size.height) {
      page.size = { width: natural.width, height: natural.height };
      layout();
    }
    const viewport = pdfPage.getViewport({ scale: scale(page) });
    // Sharp on high-density screens, but never a canvas too big for the phone.
    const density = Math.min(
      window.devicePixelRatio || 1,
      Math.sqrt(MAX_CANVAS_PIXELS / (viewport.width * viewport.height)),
    );
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width * density);
    canvas.height = Math.floor(viewport.height * density);
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    canvas.style.height = `${Math.floor(viewport.height)}px`;
    page.task = pdfPage.render({
      canvasContext: canvas.getContext("2d"),
      viewport,
      transform: density === 1 ? null : [density, 0, 0, density, 0, 0],
    });
    await page.task.promise;
    if (!page.visible) {
      return; // scrolled away while it was drawn
    }
    page.box.replaceChildren(canvas);
    page.box.dataset.rendered = "true";
    page.drawn = viewport.scale;
  } catch (error) {
    if (!error || error.name !== "RenderingCancelledException") {
      throw error;
    }
  } finally {
    page.busy = false;
    page.task = null;
  }
  if (page.visible && page.drawn !== scale(page)) {
    await draw(page, number); // the zoom changed while this page was being drawn
  }
}

function forget(page) {
  if (page.task) {
    page.task.cancel();
  }
  page.box.replaceChildren();
  delete page.box.dataset.rendered;
  page.drawn = null;
}

function onScreen(entries) {
  for (const entry of entries) {
    const number = Number(entry.target.dataset.page);
    const page = pages[number - 1];
    page.visible = entry.isIntersecting;
    if (page.visible) {
      draw(page, number).catch(fail);
    } else {
      forget(page);
    }
  }
}

/** The page at the top of the screen, under the toolbar. */
function topPage() {
  const line = toolbar.getBoundingClientRect().bottom + 8;
  for (let index = 0; index < pages.length; index += 1) {
    if (pages[index].box.getBoundingClientRect().bottom > line) {
      return index + 1;
    }
  }
  return pages.length;
}

function showPage(number) {
  current = number;
  status.textContent = pageLabel(number);
  button("previous").disabled = number <= 1;
  button("next").disabled = number >= pdf.numPages;
}

function goTo(number) {
  const target = Math.min(Math.max(number, 1), pdf.numPages);
  pages[target - 1].box.scrollIntoView({ block: "start" });
  showPage(target);
}

function zoom(step) {
  const next = Math.min(Math.max(zoomIndex + step, 0), ZOOM_STEPS.length - 1);
  if (next === zoomIndex) {
    return;
  }
  const keep = current;
  zoomIndex = next;
  root.dataset.zoom = String(ZOOM_STEPS[zoomIndex]);
  layout();
  goTo(keep);
  pages.forEach((page, index) => {
    if (page.visible) {
      draw(page, index + 1).catch(fail);
    }
  });
}

async function open() {
  const url = contentUrl(root.dataset.file || "");
  if (url === null) {
    throw new Error("refused a file that is not one of the hub's course files");
  }
  pdfjs.GlobalWorkerOptions.workerSrc = root.dataset.worker;
  // No eval: the page's Content-Security-Policy forbids it, and pdf.js must not need it.
  // Fetch only the ranges the pages on screen need: worksheets can be large.
  pdf = await pdfjs.getDocument({ url, isEvalSupported: false, disableAutoFetch: true }).promise;
  const first = (await pdf.getPage(1)).getViewport({ scale: 1 });
  for (let number = 1; number <= pdf.numPages; number += 1) {
    const box = document.createElement("div");
    box.className = "pdf-page";
    box.dataset.page = String(number);
    box.setAttribute("role", "img");
    const page = { box, size: { width: first.width, height: first.height }, drawn: null };
    pages.push(page);
    pagesBox.append(box);
  }
  message.hidden = true;
  toolbar.hidden = false;
  layout();
  pages.forEach((page, index) => page.box.setAttribute("aria-label", pageLabel(index + 1)));
  showPage(1);
  // Draw what is on screen or one screen away, so scrolling rarely shows a blank page.
  const observer = new IntersectionObserver(onScreen, { rootMargin: "100% 0px" });
  pages.forEach((page) => observer.observe(page.box));

  button("previous").addEventListener("click", () => goTo(current - 1));
  button("next").addEventListener("click", () => goTo(current + 1));
  button("zoom-in").addEventListener("click", () => zoom(1));
  button("zoom-out").addEventListener("click", () => zoom(-1));
  let pending = false;
  window.addEventListener("scroll", () => {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(() => {
        pending = false;
        showPage(topPage());
      });
    }
  });
  let width = pagesBox.clientWidth;
  window.addEventListener("resize", () => {
    if (pagesBox.clientWidth !== width) {
      width = pagesBox.clientWidth;
      const keep = current;
      layout();
      goTo(keep);
      pages.forEach((page, index) => page.visible && draw(page, index + 1).catch(fail));
    }
  });
  root.dataset.ready = "true";
}

open().catch(fail);
