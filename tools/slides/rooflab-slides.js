/* Roofline Lab slides: start reveal.js and fit every slide to the screen.
 *
 * Loaded by each deck that tools/build_slides.py writes (template tools/slides/templates/rooflab_reveal).
 * - The slide is a fixed 16:9 stage (width x height CSS px); reveal.js scales the stage to the window.
 * - A slide whose content is taller or wider than the stage is zoomed out as a whole (CSS zoom on its
 *   <section>), so every element stays on screen and figure text keeps its size relative to the body
 *   text. The build splits long slides beforehand, so this is a last resort for small overflows.
 *   Widgets and MathJax change a slide's size after load: slides are fitted again when they are drawn.
 * - ?print-pdf (the handout): every slide is fitted once everything is drawn, one slide per page,
 *   fragments shown; `document.documentElement.dataset.rlPrintReady` is set when the pages are final.
 * - window.Reveal and window.rooflabSlides (fit, fitAll, rendered) are exposed for tests and printing.
 * Local file, no network: reveal.js comes from the deck's own static/vendor folder.
 */
(function () {
  "use strict";

  var WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';
  var MIN_ZOOM = 0.4;      // below this a slide scrolls instead (the build's split keeps slides far above it)
  var opts = { width: 1280, height: 720, revealUrl: "" };

  function printing() {
    return /print-pdf/i.test(window.location.search);
  }

  function leafSlides() {
    return Array.prototype.filter.call(document.querySelectorAll(".reveal .slides section"), function (s) {
      return !s.querySelector("section");
    });
  }

  // Resolves once every embedded widget view is drawn (or timeoutMs passed), MathJax has typeset the
  // page and the fonts are loaded: only then are the slides' sizes final.
  function rendered(timeoutMs) {
    var t0 = Date.now();
    var widgets = new Promise(function (resolve) {
      (function poll() {
        var views = document.querySelectorAll(WIDGET_VIEW).length;
        var drawn = document.querySelectorAll(".widget-subarea").length;
        if (drawn >= views || Date.now() - t0 > timeoutMs) resolve();
        else setTimeout(poll, 50);
      })();
    });
    var math = new Promise(function (resolve) {
      var hub = window.MathJax && window.MathJax.Hub;
      if (hub && hub.Queue) hub.Queue(resolve);
      else resolve();
      setTimeout(resolve, timeoutMs);
    });
    return Promise.all([widgets, math]).then(function () {
      return document.fonts ? document.fonts.ready : null;
    }).then(function () {
      // ipympl draws its saved picture on a canvas when the image has loaded: one more frame
      return new Promise(function (resolve) { setTimeout(resolve, 50); });
    });
  }

  // Zoom one slide out until its content fits the stage; returns the zoom (1 when it fits as it is).
  function fit(section) {
    if (!section || section.querySelector("section")) return 1;
    section.style.zoom = "";
    section.style.overflowY = "";
    section.style.height = "";
    var fits = function (z) {
      section.style.zoom = z === 1 ? "" : String(z);
      return section.scrollHeight * z <= opts.height + 0.5 && section.scrollWidth * z <= opts.width + 0.5;
    };
    var zoom = 1;
    if (!fits(1)) {
      // Zoomed out, a slide has more room across, so text wraps less and it gets shorter: the
      // largest zoom that fits is found by bisection, not by one division.
      var lo = MIN_ZOOM, hi = 1;
      if (fits(lo)) {
        for (var i = 0; i < 9; i++) {
          var mid = (lo + hi) / 2;
          if (fits(mid)) lo = mid; else hi = mid;
        }
      }
      zoom = Math.floor(lo * 1000) / 1000;
      fits(zoom);
    }
    if (zoom === MIN_ZOOM && section.scrollHeight * zoom > opts.height + 1) {
      section.style.height = opts.height / zoom + "px";   // still too tall: let it scroll (never cut)
      section.style.overflowY = "auto";
    }
    section.dataset.rlZoom = String(zoom);
    return zoom;
  }

  function fitAll() {
    return leafSlides().map(fit);
  }

  function fitCurrent() {
    var R = window.Reveal;
    if (!R || !R.getCurrentSlide) return;
    fit(R.getCurrentSlide());
    R.layout();
  }

  // Print view: every slide on its own page, zoomed to fit, centred vertically as reveal.js does.
  function fitPages() {
    leafSlides().forEach(function (s) {
      var page = s.closest(".pdf-page");
      var zoom = fit(s);
      if (page) {
        var h = s.scrollHeight * zoom;
        s.style.top = Math.max((opts.height - h) / 2, 0) + "px";
      }
    });
    document.documentElement.dataset.rlPrintReady = "1";
  }

  function start(options) {
    for (var k in options) opts[k] = options[k];
    var base = opts.revealUrl;
    window.require({ waitSeconds: 30 }, [base + "/dist/reveal.js", base + "/plugin/notes/notes.js"],
      function (Reveal, RevealNotes) {
        window.Reveal = Reveal;
        var print = printing();
        Reveal.initialize({
          controls: true,
          progress: true,
          history: true,
          hash: false,
          center: true,
          transition: "none",
          slideNumber: "c/t",
          showSlideNumber: print ? "print" : "all",
          plugins: [RevealNotes],
          width: opts.width,
          height: opts.height,
          margin: 0,
          minScale: 0.1,
          maxScale: 4,
          pdfMaxPagesPerSlide: 1,      // one slide, one page: slides are fitted, never cut
          pdfSeparateFragments: false  // a handout shows each slide once, fragments revealed
        });
        Reveal.on("ready", fitCurrent);
        Reveal.on("slidechanged", function () {
          var hub = window.MathJax && window.MathJax.Hub;
          if (hub && hub.getAllJax(Reveal.getCurrentSlide()).length) hub.Rerender(Reveal.getCurrentSlide());
          fitCurrent();
        });
        if (print) {
          var go = function () { rendered(20000).then(fitPages); };
          Reveal.on("pdf-ready", go);
        } else {
          rendered(20000).then(fitCurrent);
          if (window.ResizeObserver) {   // a widget drawn late, a font loaded late: fit again
            var ro = new ResizeObserver(function () { window.requestAnimationFrame(fitCurrent); });
            leafSlides().forEach(function (s) {
              Array.prototype.forEach.call(s.children, function (c) { ro.observe(c); });
            });
          }
        }
      });
  }

  // Live slides (make present: Voilà's reveal.js template, widgets running in a kernel). Voilà starts
  // reveal.js itself, so the slide on screen is found by its class: it is fitted when it changes and
  // whenever its content changes size (a widget drawn, a figure redrawn by a slider).
  function presentSlide() {
    var shown = document.querySelectorAll(".reveal .slides section.present");
    for (var i = shown.length - 1; i >= 0; i--) if (!shown[i].querySelector("section")) return shown[i];
    return null;
  }

  function live() {
    opts.width = window.reveal_width || opts.width;
    opts.height = window.reveal_height || opts.height;
    var current = null, pending = false;
    var refit = function () {
      pending = false;
      if (current) fit(current);
    };
    var later = function () {
      if (!pending) { pending = true; window.requestAnimationFrame(refit); }
    };
    var ro = window.ResizeObserver ? new ResizeObserver(later) : null;
    var watch = function () {
      var s = presentSlide();
      if (s === current) return;
      if (ro) ro.disconnect();
      current = s;
      if (s && ro) Array.prototype.forEach.call(s.children, function (c) { ro.observe(c); });
      later();
    };
    var root = document.querySelector(".reveal .slides") || document.body;
    new MutationObserver(watch).observe(root, { subtree: true, attributes: true, attributeFilter: ["class"] });
    watch();
  }

  window.rooflabSlides = { start: start, live: live, fit: fit, fitAll: fitAll, fitCurrent: fitCurrent,
                           rendered: rendered, leafSlides: leafSlides, presentSlide: presentSlide, options: opts };
})();
