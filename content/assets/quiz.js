/*
 * ComputeLab quizzes on the static site (no kernel, no server, nothing sent anywhere).
 *
 * Reads assets/quiz.json (generated at build time from the question banks; format in
 * content/quizzes/JSON-FORMAT.md) and renders:
 *   <div class="cl-quiz" data-topic="ecs" data-count="3">  a few questions of one topic
 *   <div class="cl-practice">                              practice by topic or comparison
 *   <div class="cl-exam">                                  an exam set drawn by domain weight
 *
 * Bound through mkdocs-material's document$ so it runs again after instant navigation.
 * Stable hooks for tests: .cl-question[data-qid][data-type][data-state], options
 * [data-option] (index in the JSON) with data-chosen/data-correct after checking, .cl-why,
 * .cl-feedback[data-correct] with .cl-verdict and .cl-explanation.
 */
(function () {
  "use strict";

  var EXAM_TYPES = ["single", "multiple"];
  var SCALE_MIN = 100, SCALE_MAX = 1000;
  var dataPromise = null;
  var uid = 0;

  // -- data --------------------------------------------------------------------------------

  function siteRoot() {
    if (typeof __md_scope !== "undefined" && __md_scope) return new URL(__md_scope);
    var script = document.querySelector('script[src*="assets/quiz.js"]');
    return new URL("../", script ? script.src : location.href);
  }

  function loadData() {
    if (!dataPromise) {
      dataPromise = fetch(new URL("assets/quiz.json", siteRoot())).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
      dataPromise.catch(function () { dataPromise = null; });  // retry on the next page
    }
    return dataPromise;
  }

  // -- small helpers ---------------------------------------------------------------------

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function shuffle(list) {
    var a = list.slice();
    for (var i = a.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1));
      var t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }

  function sample(list, n) { return shuffle(list).slice(0, Math.max(0, n)); }

  function button(label, className, onClick) {
    var b = el("button", { type: "button", className: "md-button " + (className || "") }, label);
    b.addEventListener("click", onClick);
    return b;
  }

  function fallbackError(container, err) {
    container.textContent = "";
    container.appendChild(el("p", { className: "cl-error", text:
      "Could not load the questions (" + err.message + "). Offline, run `computelab quiz`." }));
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // -- one question -------------------------------------------------------------------------
  //
  // question(q, {mode}) returns {node, check(), reveal(), answered(), result()}.
  // mode "practice": Check answer / Show answer buttons and feedback at once, retries allowed.
  // mode "exam": no buttons; the exam calls result() and reveal() when it is submitted.

  function question(q, opts) {
    var mode = (opts && opts.mode) || "practice";
    var name = "cl-q" + (++uid);
    var root = el("div", { className: "cl-question", "data-qid": q.id, "data-type": q.type,
                           "data-state": "unanswered" });
    var header = el("p", { className: "cl-stem" });
    if (opts && opts.number) header.appendChild(el("span", { className: "cl-number",
                                                             text: opts.number + ". " }));
    header.appendChild(document.createTextNode(q.stem));
    root.appendChild(header);

    var instructions = {
      single: "Choose one answer.",
      true_false: "True or false?",
      multiple: "Choose " + (q.choose || 2) + " answers.",
      matching: "Match each item (a match may be used more than once).",
      ordering: "Give each step its position in the right order.",
    }[q.type];
    root.appendChild(el("p", { className: "cl-instructions", text: instructions }));

    var body = el("div", { className: "cl-body" });
    root.appendChild(body);
    var parts = [];   // per-part DOM: options, pairs or steps

    if (q.type === "single" || q.type === "true_false" || q.type === "multiple") {
      var kind = q.type === "multiple" ? "checkbox" : "radio";
      var order = q.options.map(function (_, i) { return i; });
      if (q.type !== "true_false") order = shuffle(order);
      var list = el("div", { className: "cl-options", role: kind === "radio" ? "radiogroup" : "group" });
      order.forEach(function (i) {
        var o = q.options[i];
        var input = el("input", { type: kind, name: name, value: i });
        var why = el("div", { className: "cl-why", hidden: true, text: o.why });
        var label = el("label", { className: "cl-option", "data-option": i }, input,
                       el("span", { className: "cl-option-text", text: o.text }));
        var item = el("div", { className: "cl-option-row", "data-option": i }, label, why);
        list.appendChild(item);
        parts[i] = { row: item, input: input, why: why, option: o };
      });
      body.appendChild(list);
    } else if (q.type === "matching") {
      var matches = [];
      q.pairs.forEach(function (p) { if (matches.indexOf(p.match) < 0) matches.push(p.match); });
      matches = shuffle(matches);
      var table = el("div", { className: "cl-pairs" });
      q.pairs.forEach(function (p, i) {
        var select = el("select", { className: "cl-select", "aria-label": p.item },
                        el("option", { value: "", text: "Choose…" }));
        matches.forEach(function (m) { select.appendChild(el("option", { value: m, text: m })); });
        var why = el("div", { className: "cl-why", hidden: true });
        var row = el("div", { className: "cl-pair", "data-pair": i },
                     el("span", { className: "cl-item", text: p.item }), select, why);
        table.appendChild(row);
        parts[i] = { row: row, select: select, why: why, pair: p };
      });
      body.appendChild(table);
    } else if (q.type === "ordering") {
      var steps = el("div", { className: "cl-steps" });
      shuffle(q.steps.map(function (_, i) { return i; })).forEach(function (i) {
        var s = q.steps[i];
        var select = el("select", { className: "cl-select", "aria-label": "Position of: " + s.text },
                        el("option", { value: "", text: "#" }));
        for (var n = 1; n <= q.steps.length; n++) {
          select.appendChild(el("option", { value: n, text: String(n) }));
        }
        var why = el("div", { className: "cl-why", hidden: true });
        var row = el("div", { className: "cl-step", "data-step": i }, select,
                     el("span", { className: "cl-step-text", text: s.text }), why);
        steps.appendChild(row);
        parts[i] = { row: row, select: select, why: why, step: s };
      });
      body.appendChild(steps);
    }

    var feedback = el("div", { className: "cl-feedback", hidden: true, role: "status",
                               "aria-live": "polite" });
    var verdict = el("p", { className: "cl-verdict" });
    var explanation = el("p", { className: "cl-explanation", hidden: true, text: q.explanation });
    feedback.appendChild(verdict);
    feedback.appendChild(explanation);

    // The learner's answer; null when incomplete, with a message saying why.
    function answer() {
      if (q.type === "single" || q.type === "true_false" || q.type === "multiple") {
        var chosen = [];
        parts.forEach(function (p, i) { if (p && p.input.checked) chosen.push(i); });
        if (!chosen.length) return { error: "Choose an answer first." };
        if (q.type === "multiple" && chosen.length !== q.choose) {
          return { error: "Choose exactly " + q.choose + " answers (you chose " +
                          chosen.length + ")." };
        }
        return { chosen: chosen };
      }
      if (q.type === "matching") {
        var given = parts.map(function (p) { return p.select.value; });
        if (given.indexOf("") >= 0) return { error: "Choose a match for every item." };
        return { given: given };
      }
      var positions = parts.map(function (p) { return p.select.value; });
      if (positions.indexOf("") >= 0) return { error: "Give every step a position." };
      var seen = {};
      for (var k = 0; k < positions.length; k++) {
        if (seen[positions[k]]) return { error: "Use each position once." };
        seen[positions[k]] = true;
      }
      return { positions: positions.map(Number) };
    }

    // Score like the CLI (practice: partial credit; see JSON-FORMAT.md).
    function score(a) {
      if (q.type === "single" || q.type === "true_false") {
        return q.options[a.chosen[0]].correct ? 1 : 0;
      }
      if (q.type === "multiple") {
        var right = 0, wrong = 0;
        a.chosen.forEach(function (i) { if (q.options[i].correct) right++; else wrong++; });
        return Math.max(0, (right - wrong) / q.choose);
      }
      if (q.type === "matching") {
        var ok = 0;
        q.pairs.forEach(function (p, i) { if (a.given[i] === p.match) ok++; });
        return ok / q.pairs.length;
      }
      var placed = 0;
      q.steps.forEach(function (_, i) { if (a.positions[i] === i + 1) placed++; });
      return placed / q.steps.length;
    }

    function clearMarks() {
      parts.forEach(function (p) {
        if (!p) return;
        p.row.removeAttribute("data-chosen");
        p.row.removeAttribute("data-correct");
        p.why.hidden = true;
      });
    }

    // Per-part marks: each chosen option with its why; matching/ordering rows right or wrong.
    function mark(a) {
      clearMarks();
      if (a.chosen) {
        a.chosen.forEach(function (i) {
          var p = parts[i];
          p.row.setAttribute("data-chosen", "true");
          p.row.setAttribute("data-correct", String(!!p.option.correct));
          p.why.hidden = false;
        });
      } else if (a.given) {
        parts.forEach(function (p, i) {
          var ok = a.given[i] === p.pair.match;
          p.row.setAttribute("data-correct", String(ok));
          p.why.textContent = ok ? p.pair.why : "Not this one.";
          p.why.hidden = false;
        });
      } else {
        parts.forEach(function (p, i) {
          var ok = a.positions[i] === i + 1;
          p.row.setAttribute("data-correct", String(ok));
          p.why.textContent = ok ? p.step.why : "Not in this position.";
          p.why.hidden = false;
        });
      }
    }

    function check() {
      var a = answer();
      feedback.hidden = false;
      if (a.error) {
        clearMarks();
        feedback.setAttribute("data-correct", "incomplete");
        verdict.textContent = a.error;
        explanation.hidden = true;
        root.setAttribute("data-state", "unanswered");
        return null;
      }
      var fraction = score(a);
      mark(a);
      var correct = fraction === 1;
      feedback.setAttribute("data-correct", String(correct));
      root.setAttribute("data-state", correct ? "correct" : (fraction > 0 ? "partial" : "incorrect"));
      if (correct) {
        verdict.textContent = "Correct!";
      } else if (fraction > 0) {
        verdict.textContent = "Partly right (" + Math.round(fraction * 100) +
          "%). Try again, or show the answer.";
      } else {
        verdict.textContent = "Not quite. Try again, or show the answer.";
      }
      explanation.hidden = !correct;
      return fraction;
    }

    // Show the right answer with every why and the explanation.
    function reveal() {
      root.setAttribute("data-revealed", "true");
      if (q.options) {
        parts.forEach(function (p) {
          if (p.option.correct) p.row.setAttribute("data-answer", "true");
          if (p.option.correct || p.input.checked) p.why.hidden = false;
        });
      } else if (q.pairs) {
        parts.forEach(function (p) {
          var ok = p.select.value === p.pair.match;
          if (p.select.value) p.row.setAttribute("data-correct", String(ok));
          else p.row.removeAttribute("data-correct");
          p.why.textContent = (ok ? "" : "Answer: " + p.pair.match + ". ") + p.pair.why;
          p.why.hidden = false;
        });
      } else {
        parts.forEach(function (p, i) {
          var ok = Number(p.select.value) === i + 1;
          if (p.select.value) p.row.setAttribute("data-correct", String(ok));
          else p.row.removeAttribute("data-correct");
          p.why.textContent = (ok ? "" : "Position " + (i + 1) + ". ") + p.step.why;
          p.why.hidden = false;
        });
      }
      feedback.hidden = false;
      explanation.hidden = false;
    }

    if (mode === "practice") {
      var actions = el("div", { className: "cl-actions" },
        button("Check answer", "md-button--primary cl-submit", check),
        button("Show answer", "cl-reveal", function () {
          var a = answer();
          if (a.error) {
            clearMarks();
            feedback.setAttribute("data-correct", "revealed");
            verdict.textContent = "The right answer is marked below.";
          } else {
            check();
          }
          reveal();
        }));
      root.appendChild(actions);
    }
    root.appendChild(feedback);

    return {
      node: root,
      question: q,
      check: check,
      reveal: reveal,
      disable: function () {
        root.querySelectorAll("input, select").forEach(function (n) { n.disabled = true; });
      },
      // Exam scoring: all or nothing; null when unanswered.
      result: function () {
        var a = answer();
        if (a.error) return null;
        return score(a) === 1 ? 1 : 0;
      },
      markExam: function () {
        var a = answer();
        var ok = !a.error && score(a) === 1;
        if (!a.error) mark(a);
        feedback.hidden = false;
        feedback.setAttribute("data-correct", String(ok));
        root.setAttribute("data-state", a.error ? "unanswered" : (ok ? "correct" : "incorrect"));
        verdict.textContent = a.error ? "Not answered." : (ok ? "Correct." : "Incorrect.");
        reveal();
      },
    };
  }

  function renderSet(container, questions, opts) {
    var widgets = questions.map(function (q, i) {
      var w = question(q, { mode: opts.mode, number: opts.numbered ? i + 1 : null });
      container.appendChild(w.node);
      return w;
    });
    return widgets;
  }

  // -- lesson quiz: <div class="cl-quiz" data-topic data-count> ---------------------------

  function lessonQuiz(container, data) {
    var topic = container.getAttribute("data-topic");
    var count = parseInt(container.getAttribute("data-count") || "3", 10);
    var pool = data.questions.filter(function (q) { return q.topic === topic; });
    container.textContent = "";
    if (!pool.length) {
      container.appendChild(el("p", { className: "cl-empty", text: "No questions for this topic yet." }));
      return;
    }
    var list = el("div", { className: "cl-set" });
    var intro = el("p", { className: "cl-intro" });
    function draw() {
      list.textContent = "";
      renderSet(list, sample(pool, count), { mode: "practice" });
      intro.textContent = Math.min(count, pool.length) + " of the " + pool.length +
        " questions on this topic, drawn at random.";
    }
    container.appendChild(intro);
    container.appendChild(list);
    container.appendChild(el("div", { className: "cl-actions" },
      button("New questions", "cl-new", draw)));
    draw();
  }

  // -- practice page: <div class="cl-practice"> ---------------------------------------------

  function practice(container, data) {
    container.textContent = "";
    var select = el("select", { className: "cl-select cl-practice-filter", "aria-label": "Questions on" },
                    el("option", { value: "all:", text: "All topics" }));
    var topics = el("optgroup", { label: "Topics" });
    Object.keys(data.topics).forEach(function (id) {
      var n = data.questions.filter(function (q) { return q.topic === id; }).length;
      if (n) topics.appendChild(el("option", { value: "topic:" + id,
                                                text: data.topics[id].title + " (" + n + ")" }));
    });
    var comparisons = el("optgroup", { label: "Comparisons" });
    Object.keys(data.comparisons).forEach(function (id) {
      var n = data.questions.filter(function (q) { return q.comparison === id; }).length;
      if (n) comparisons.appendChild(el("option", { value: "comparison:" + id,
                                                    text: data.comparisons[id] + " (" + n + ")" }));
    });
    select.appendChild(topics);
    select.appendChild(comparisons);
    var count = el("select", { className: "cl-select cl-practice-count", "aria-label": "How many" });
    [5, 10, 20].forEach(function (n) { count.appendChild(el("option", { value: n, text: plural(n, "question") })); });
    count.appendChild(el("option", { value: 0, text: "all of them" }));
    var list = el("div", { className: "cl-set" });
    var status = el("p", { className: "cl-intro" });

    function start() {
      var parts = select.value.split(":");
      var pool = data.questions.filter(function (q) {
        if (parts[0] === "topic") return q.topic === parts[1];
        if (parts[0] === "comparison") return q.comparison === parts[1];
        return true;
      });
      var n = parseInt(count.value, 10) || pool.length;
      var chosen = sample(pool, n);
      list.textContent = "";
      renderSet(list, chosen, { mode: "practice", numbered: true });
      status.textContent = chosen.length + " of " + pool.length + " questions.";
    }

    container.appendChild(el("div", { className: "cl-controls" },
      el("label", {}, "Questions on ", select), el("label", {}, " How many ", count),
      button("Start", "md-button--primary cl-start", start)));
    container.appendChild(status);
    container.appendChild(list);
  }

  // -- exam set: <div class="cl-exam"> ----------------------------------------------------

  // How many questions each domain gets: proportional to weight (largest remainder), never
  // more than a domain has; a short domain's share goes to the others (as grader/quiz/exam.py).
  function allocate(weights, available, n) {
    var ids = Object.keys(weights);
    var total = ids.reduce(function (s, d) { return s + (available[d] || 0); }, 0);
    n = Math.min(n, total);
    var fixed = {};
    for (;;) {
      var free = ids.filter(function (d) { return !(d in fixed); });
      var left = n - Object.keys(fixed).reduce(function (s, d) { return s + fixed[d]; }, 0);
      var wsum = free.reduce(function (s, d) { return s + weights[d]; }, 0);
      var counts = {};
      if (!free.length || left <= 0 || wsum <= 0) {
        ids.forEach(function (d) { counts[d] = fixed[d] || 0; });
        return counts;
      }
      var quota = {};
      free.forEach(function (d) { quota[d] = left * weights[d] / wsum; counts[d] = Math.floor(quota[d]); });
      var given = free.reduce(function (s, d) { return s + counts[d]; }, 0);
      free.slice().sort(function (a, b) {
        return (quota[b] - counts[b]) - (quota[a] - counts[a]) || weights[b] - weights[a] ||
               (a < b ? -1 : 1);
      }).slice(0, left - given).forEach(function (d) { counts[d]++; });
      var short = free.filter(function (d) { return counts[d] > (available[d] || 0); });
      if (!short.length) {
        ids.forEach(function (d) { if (d in fixed) counts[d] = fixed[d]; });
        return counts;
      }
      short.forEach(function (d) { fixed[d] = available[d] || 0; });
    }
  }

  function drawExam(data, examId, n) {
    var spec = data.exams[examId];
    var pools = {}, weights = {}, available = {};
    spec.domains.forEach(function (d) { pools[d.id] = []; weights[d.id] = d.weight; });
    data.questions.forEach(function (q) {
      var d = q.domains && q.domains[examId];
      if (EXAM_TYPES.indexOf(q.type) >= 0 && pools[d]) pools[d].push(q);
    });
    Object.keys(pools).forEach(function (d) { available[d] = pools[d].length; });
    var counts = allocate(weights, available, n);
    var chosen = [];
    Object.keys(counts).forEach(function (d) { chosen = chosen.concat(sample(pools[d], counts[d])); });
    return shuffle(chosen);
  }

  function exam(container, data) {
    container.textContent = "";
    var exams = data.exams || {};
    var ids = Object.keys(exams);
    if (!ids.length) {
      container.appendChild(el("p", { className: "cl-empty", text: "No exam guides in the data." }));
      return;
    }
    var which = el("select", { className: "cl-select cl-exam-choice", "aria-label": "Exam" });
    ids.forEach(function (id) { which.appendChild(el("option", { value: id, text: exams[id].title })); });
    var size = el("select", { className: "cl-select cl-exam-size", "aria-label": "Questions" });
    [10, 20, 65].forEach(function (n) { size.appendChild(el("option", { value: n, text: plural(n, "question") })); });
    var info = el("p", { className: "cl-intro" });
    var paper = el("div", { className: "cl-set" });
    var report = el("div", { className: "cl-report", hidden: true });
    var widgets = [];
    var submit = button("Submit exam", "md-button--primary cl-exam-submit", finish);
    submit.hidden = true;

    function describe() {
      var spec = exams[which.value];
      info.textContent = spec.title + ": " + spec.domains.map(function (d) {
        return d.title + " " + d.weight + "%";
      }).join(", ") + ". The real exam: " + spec.questions + " questions in " + spec.minutes +
        " minutes, pass at " + spec.pass_score + ".";
    }

    function start() {
      var chosen = drawExam(data, which.value, parseInt(size.value, 10));
      paper.textContent = "";
      report.hidden = true;
      report.textContent = "";
      widgets = renderSet(paper, chosen, { mode: "exam", numbered: true });
      submit.hidden = !widgets.length;
      submit.disabled = false;
      paper.setAttribute("data-exam", which.value);
    }

    function finish() {
      var examId = paper.getAttribute("data-exam");
      var spec = exams[examId];
      var unanswered = widgets.filter(function (w) { return w.result() === null; }).length;
      if (unanswered && !window.confirm(plural(unanswered, "question") +
                                        " not answered. Submit anyway?")) return;
      var byDomain = {};
      spec.domains.forEach(function (d) { byDomain[d.id] = { title: d.title, right: 0, total: 0 }; });
      var right = 0;
      widgets.forEach(function (w) {
        var ok = w.result() === 1;
        var d = byDomain[w.question.domains[examId]];
        if (d) { d.total++; if (ok) d.right++; }
        if (ok) right++;
        w.markExam();
        w.disable();
      });
      submit.disabled = true;
      var fraction = widgets.length ? right / widgets.length : 0;
      var scaled = Math.round(SCALE_MIN + (SCALE_MAX - SCALE_MIN) * fraction);
      var passed = scaled >= spec.pass_score;
      report.textContent = "";
      report.setAttribute("data-passed", String(passed));
      report.appendChild(el("p", { className: "cl-score", text:
        right + " of " + widgets.length + " correct (" + Math.round(fraction * 100) + "%). " +
        "Estimated scaled score " + scaled + " (pass: " + spec.pass_score + "): " +
        (passed ? "a pass." : "not yet a pass.") }));
      var table = el("table", { className: "cl-domains" },
        el("thead", {}, el("tr", {}, el("th", { text: "Domain" }), el("th", { text: "Correct" }))));
      var tbody = el("tbody");
      Object.keys(byDomain).forEach(function (id) {
        var d = byDomain[id];
        if (!d.total) return;
        tbody.appendChild(el("tr", {}, el("td", { text: d.title }),
                             el("td", { text: d.right + " / " + d.total })));
      });
      table.appendChild(tbody);
      report.appendChild(table);
      report.appendChild(el("p", { text: "Each question below shows your answer, the right one and why." }));
      report.hidden = false;
      report.scrollIntoView({ behavior: "smooth", block: "start" });
    }

    which.addEventListener("change", describe);
    container.appendChild(el("div", { className: "cl-controls" },
      el("label", {}, "Exam ", which), el("label", {}, " Size ", size),
      button("Start", "md-button--primary cl-start", start)));
    container.appendChild(info);
    container.appendChild(report);
    container.appendChild(paper);
    container.appendChild(el("div", { className: "cl-actions" }, submit));
    describe();
  }

  // -- binding -------------------------------------------------------------------------

  var RENDERERS = [[".cl-quiz", lessonQuiz], [".cl-practice", practice], [".cl-exam", exam]];

  function init(root) {
    var targets = [];
    RENDERERS.forEach(function (pair) {
      root.querySelectorAll(pair[0] + ":not([data-cl-ready])").forEach(function (node) {
        node.setAttribute("data-cl-ready", "loading");
        targets.push([node, pair[1]]);
      });
    });
    if (!targets.length) return;
    loadData().then(function (data) {
      targets.forEach(function (t) {
        t[1](t[0], data);
        t[0].setAttribute("data-cl-ready", "true");
      });
    }, function (err) {
      targets.forEach(function (t) {
        fallbackError(t[0], err);
        t[0].setAttribute("data-cl-ready", "error");
      });
    });
  }

  window.computelabQuiz = { init: init, allocate: allocate, question: question };

  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(function () { init(document); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
