/*
 * ComputeLab quizzes on the static site (no kernel, no server, nothing sent anywhere).
 *
 * Reads assets/quiz.json (generated at build time from the question banks; format in
 * content/quizzes/JSON-FORMAT.md) and renders:
 *   <div class="cl-quiz" data-topic="ecs" data-count="3">  a few questions of one topic
 *   <div class="cl-practice">                              practice by topic or comparison
 *   <div class="cl-exam">                                  an exam set drawn by domain weight
 *
 * The exam is the compute part of an exam guide and its report gives a readiness range per
 * domain, never a pass/fail verdict (as `computelab exam`).
 *
 * Bound through mkdocs-material's document$ so it runs again after instant navigation.
 * Stable hooks for tests: .cl-question[data-qid][data-type][data-state], options
 * [data-option] (index in the JSON) with data-chosen/data-correct/data-answer after
 * answering; .cl-feedback[data-correct] with .cl-verdict, .cl-explained > li.cl-explain
 * [data-option][data-chosen][data-correct] (every option, chosen first), .cl-explanation,
 * .cl-readmore (the lesson section and the AWS pages the question was checked against)
 * and .cl-meta; ordering rows .cl-step[data-position] with a select of steps.
 * The exam set offers a random draw or one of three fixed mock forms (built by
 * grader.quiz.forms at site build time, as `computelab exam --form N`), with a clock
 * (.cl-exam-timer, role=timer), .cl-flag toggles (aria-pressed), .cl-exam-status, resume
 * after a reload (.cl-exam-resumed) and .cl-report (.cl-score, tr[data-domain], .cl-summary).
 * Answers are kept in localStorage and exported for `computelab quiz import` (.cl-saved
 * [data-count] with .cl-export): see "answers kept in this browser" below.
 */
(function () {
  "use strict";

  var EXAM_TYPES = ["single", "multiple"];
  var LETTERS = "abcdefghijklmnopqrstuvwxyz";
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

  // -- answers kept in this browser ---------------------------------------------------------
  //
  // Every answer (practice, lesson quiz, exam) goes to localStorage under ANSWERS_KEY as
  // {id, at, score, mode, exam}: the progress file format of grader/quiz/transfer.py, so
  // "Export my answers" downloads a file `computelab quiz import FILE` merges into spaced
  // repetition. An exam in progress is kept under EXAM_KEY so a reload resumes it.

  var ANSWERS_KEY = "computelab.answers.v1";
  var EXAM_KEY = "computelab.exam.v1";
  var PROGRESS_FORMAT = "computelab-progress";

  function readStored(key, fallback) {
    try {
      var text = window.localStorage.getItem(key);
      return text ? JSON.parse(text) : fallback;
    } catch (e) {
      return fallback;   // storage off (private mode) or a damaged entry: start afresh
    }
  }

  function writeStored(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false;
    }
  }

  function storedAnswers() {
    var list = readStored(ANSWERS_KEY, []);
    return Array.isArray(list) ? list : [];
  }

  function recordAnswers(entries) {
    var list = storedAnswers();
    var at = new Date().toISOString();
    entries.forEach(function (e) {
      list.push({ id: e.id, at: at, score: e.score, mode: e.mode, exam: e.exam || null });
    });
    writeStored(ANSWERS_KEY, list);
    document.dispatchEvent(new CustomEvent("computelab:answers"));
  }

  function exportAnswers() {
    var data = { format: PROGRESS_FORMAT, version: 1, exported: new Date().toISOString(),
                 answers: storedAnswers() };
    var blob = new Blob([JSON.stringify(data, null, 1) + "\n"], { type: "application/json" });
    var link = el("a", { href: URL.createObjectURL(blob),
                         download: "computelab-progress-" + data.exported.slice(0, 10) + ".json" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
  }

  // "12 answers saved in this browser. [Export my answers]": one line under every quiz.
  function savedBar() {
    var count = el("span", { className: "cl-saved-count" });
    var exportButton = button("Export my answers", "cl-export", exportAnswers);
    var bar = el("p", { className: "cl-saved" }, count, " ", exportButton, " ",
                 el("span", { className: "cl-saved-help", text:
                   "then run computelab quiz import FILE to add them to your review schedule." }));
    function update() {
      if (!bar.isConnected && bar.dataset.shown) {
        document.removeEventListener("computelab:answers", update);
        return;
      }
      bar.dataset.shown = "1";
      var n = storedAnswers().length;
      count.textContent = plural(n, "answer") + " saved in this browser (nothing leaves it).";
      exportButton.disabled = n === 0;
      bar.setAttribute("data-count", n);
    }
    document.addEventListener("computelab:answers", update);
    update();
    return bar;
  }

  // -- one question -------------------------------------------------------------------------
  //
  // question(q, {mode}) returns {node, check(), answered(), result(), markExam(), ...}.
  // The rules are the CLI's and the notebook widget's:
  // - nothing hints at the answer before it is given (topic, difficulty and id come after);
  // - a "choose N" question takes exactly N answers (otherwise: say so and ask again);
  // - once answered, every option is explained, the chosen ones first, and the question locks;
  // - "I don't know" reveals the answer and counts as a miss;
  // - ordering: for each position in turn, pick the step that goes there.
  // mode "practice": Check answer / I don't know buttons, feedback at once.
  // mode "exam": no buttons; the exam calls markExam() when it is submitted.

  function chooseMessage(choose, given) {
    return "Choose exactly " + choose + " answers (you chose " + given + ").";
  }

  // "Read more": the lesson section ("containers/ecr.md#lifecycle-policies" is the page
  // containers/ecr/ with that anchor) and the AWS documentation pages, opened in a new tab.
  function lessonHref(lesson) {
    var parts = lesson.split("#");
    var page = parts[0].replace(/(^|\/)index\.md$/, "$1").replace(/\.md$/, "/");
    return new URL(page + (parts[1] ? "#" + parts[1] : ""), siteRoot()).href;
  }

  function readMoreNode(q) {
    var sources = q.source || [];
    if (!q.lesson && !sources.length) return null;
    var list = el("ul");
    if (q.lesson) {
      list.appendChild(el("li", {}, el("a", { href: lessonHref(q.lesson), className: "cl-lesson-link",
                                                text: "Lesson: " + q.lesson })));
    }
    sources.forEach(function (url) {
      list.appendChild(el("li", {}, el("a", { href: url, className: "cl-source-link", target: "_blank",
                                              rel: "noopener", text: url })));
    });
    var checked = q.verified ? " (checked against AWS documentation on " + q.verified + ")" : "";
    return el("div", { className: "cl-readmore", hidden: true },
              el("p", { className: "cl-readmore-title", text: "Read more" + checked + ":" }), list);
  }

  function question(q, opts) {
    var mode = (opts && opts.mode) || "practice";
    var name = "cl-q" + (++uid);
    var hasOptions = q.type === "single" || q.type === "true_false" || q.type === "multiple";
    var root = el("div", { className: "cl-question", "data-qid": q.id, "data-type": q.type,
                           "data-state": "unanswered" });
    var header = el("p", { className: "cl-stem", id: name + "-stem" });
    if (opts && opts.number) header.appendChild(el("span", { className: "cl-number",
                                                             text: opts.number + ". " }));
    header.appendChild(document.createTextNode(q.stem));
    root.appendChild(header);

    var instructions = {
      single: "Choose one answer.",
      true_false: "True or false?",
      multiple: "Choose exactly " + q.choose + " answers.",
      matching: "Match each item (a match may be used more than once).",
      ordering: "For each position in turn, pick the step that goes there.",
    }[q.type];
    root.appendChild(el("p", { className: "cl-instructions", id: name + "-how", text: instructions }));

    var body = el("div", { className: "cl-body" });
    root.appendChild(body);
    var parts = [];   // options and pairs: by index in the JSON; ordering: by position

    if (hasOptions) {
      var kind = q.type === "multiple" ? "checkbox" : "radio";
      var order = q.options.map(function (_, i) { return i; });
      if (opts && opts.order && opts.order.length === order.length) order = opts.order.slice();
      else if (q.type !== "true_false") order = shuffle(order);
      var list = el("div", { className: "cl-options", role: kind === "radio" ? "radiogroup" : "group",
                             "aria-labelledby": name + "-stem", "aria-describedby": name + "-how" });
      order.forEach(function (i, shownAt) {
        var o = q.options[i];
        var input = el("input", { type: kind, name: name, value: i });
        var label = el("label", { className: "cl-option", "data-option": i }, input,
                       el("span", { className: "cl-letter", text: LETTERS[shownAt] + ")" }),
                       el("span", { className: "cl-option-text", text: o.text }));
        var item = el("div", { className: "cl-option-row", "data-option": i }, label);
        list.appendChild(item);
        parts[i] = { row: item, input: input, option: o, letter: LETTERS[shownAt], shownAt: shownAt };
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
      // The steps, numbered as shown (shuffled); then one list per position, as in the CLI
      // ("2-1-3": step 2 first) and the notebook widget.
      var shownSteps = shuffle(q.steps.map(function (_, i) { return i; }));
      var stepList = el("ol", { className: "cl-step-list" });
      shownSteps.forEach(function (i) { stepList.appendChild(el("li", { text: q.steps[i].text })); });
      body.appendChild(stepList);
      var slots = el("div", { className: "cl-steps" });
      q.steps.forEach(function (_, position) {
        var select = el("select", { className: "cl-select",
                                    "aria-label": "Step in position " + (position + 1) },
                        el("option", { value: "", text: "Choose a step…" }));
        shownSteps.forEach(function (i, n) {
          select.appendChild(el("option", { value: i, text: (n + 1) + ". " + q.steps[i].text }));
        });
        var why = el("div", { className: "cl-why", hidden: true });
        var row = el("div", { className: "cl-step", "data-position": position },
                     el("span", { className: "cl-position", text: "Position " + (position + 1) }),
                     select, why);
        slots.appendChild(row);
        parts[position] = { row: row, select: select, why: why, step: q.steps[position] };
      });
      body.appendChild(slots);
    }

    var feedback = el("div", { className: "cl-feedback", hidden: true, role: "status",
                               "aria-live": "polite" });
    var verdict = el("p", { className: "cl-verdict" });
    var explained = el("ul", { className: "cl-explained", hidden: true });
    var explanation = el("p", { className: "cl-explanation", hidden: true, text: q.explanation });
    var meta = el("p", { className: "cl-meta", hidden: true,
                         text: q.topic + " · " + q.difficulty + " · " + q.id });
    var readMore = readMoreNode(q);
    [verdict, explained, explanation, readMore, meta].forEach(function (n) {
      if (n) feedback.appendChild(n);
    });

    // The learner's answer; {error} when it is not a complete, valid answer yet.
    function answer() {
      if (hasOptions) {
        var chosen = [];
        parts.forEach(function (p, i) { if (p && p.input.checked) chosen.push(i); });
        if (!chosen.length) return { error: "Choose an answer first.", empty: true };
        if (q.type === "multiple" && chosen.length !== q.choose) {
          return { error: chooseMessage(q.choose, chosen.length) };
        }
        return { chosen: chosen };
      }
      if (q.type === "matching") {
        var given = parts.map(function (p) { return p.select.value; });
        if (given.every(function (v) { return v === ""; })) return { error: "Choose a match for every item.", empty: true };
        if (given.indexOf("") >= 0) return { error: "Choose a match for every item." };
        return { given: given };
      }
      var placed = parts.map(function (p) { return p.select.value; });
      if (placed.every(function (v) { return v === ""; })) return { error: "Pick a step for every position.", empty: true };
      if (placed.indexOf("") >= 0) return { error: "Pick a step for every position." };
      var seen = {};
      for (var k = 0; k < placed.length; k++) {
        if (seen[placed[k]]) return { error: "Use each step once." };
        seen[placed[k]] = true;
      }
      return { order: placed.map(Number) };
    }

    // Score like the CLI (practice: partial credit; see JSON-FORMAT.md).
    function score(a) {
      if (a.unknown) return 0;
      if (q.type === "single" || q.type === "true_false") {
        return q.options[a.chosen[0]].correct ? 1 : 0;
      }
      if (q.type === "multiple") {
        var right = 0;
        a.chosen.forEach(function (i) { if (q.options[i].correct) right++; });
        return right / q.choose;
      }
      if (q.type === "matching") {
        var ok = 0;
        q.pairs.forEach(function (p, i) { if (a.given[i] === p.match) ok++; });
        return ok / q.pairs.length;
      }
      var placed = 0;
      a.order.forEach(function (step, position) { if (step === position) placed++; });
      return placed / q.steps.length;
    }

    function optionLabel(p, chosen) {
      if (chosen) return p.option.correct ? "You chose (right)" : "You chose (wrong)";
      return p.option.correct ? "Not chosen (right)" : "Not chosen (wrong)";
    }

    // Every part explained: options chosen first, then in letter order; pairs and positions
    // marked right or wrong with the right match or step.
    function explain(a) {
      if (hasOptions) {
        var chosen = a.chosen || [];
        var rows = parts.slice().sort(function (x, y) {
          var cx = chosen.indexOf(q.options.indexOf(x.option)) >= 0 ? 0 : 1;
          var cy = chosen.indexOf(q.options.indexOf(y.option)) >= 0 ? 0 : 1;
          return cx - cy || x.shownAt - y.shownAt;
        });
        explained.textContent = "";
        rows.forEach(function (p) {
          var i = q.options.indexOf(p.option);
          var picked = chosen.indexOf(i) >= 0;
          if (picked) p.row.setAttribute("data-chosen", "true");
          p.row.setAttribute("data-correct", String(!!p.option.correct));
          if (p.option.correct) p.row.setAttribute("data-answer", "true");
          explained.appendChild(el("li", { className: "cl-explain", "data-option": i,
                                           "data-chosen": String(picked),
                                           "data-correct": String(!!p.option.correct) },
            el("span", { className: "cl-explain-head",
                         text: optionLabel(p, picked) + ": " + p.letter + ") " + p.option.text }),
            el("div", { className: "cl-why", text: p.option.why })));
        });
        explained.hidden = false;
        return;
      }
      parts.forEach(function (p, i) {
        var ok, right;
        if (q.type === "matching") {
          ok = !a.unknown && a.given[i] === p.pair.match;
          right = p.pair.match;
          p.why.textContent = (ok ? "" : "Right: " + right + ". ") + p.pair.why;
        } else {
          ok = !a.unknown && a.order[i] === i;
          right = p.step.text;
          p.why.textContent = (ok ? "" : "Right: " + right + ". ") + p.step.why;
        }
        p.row.setAttribute("data-correct", String(ok));
        p.why.hidden = false;
      });
    }

    function lock() {
      root.querySelectorAll("input, select, .cl-actions button").forEach(function (n) {
        n.disabled = true;
      });
    }

    function show(a, text) {
      var fraction = score(a);
      var correct = fraction === 1;
      explain(a);
      root.setAttribute("data-answered", "true");
      feedback.hidden = false;
      feedback.setAttribute("data-correct", String(correct));
      root.setAttribute("data-state", a.unknown ? "dont-know" :
                        correct ? "correct" : (fraction > 0 ? "partial" : "incorrect"));
      verdict.textContent = text(fraction, correct);
      explanation.hidden = false;
      if (readMore) readMore.hidden = false;
      meta.hidden = false;
      lock();
      return fraction;
    }

    function practiceVerdict(fraction, correct) {
      if (correct) return "Correct!";
      if (fraction > 0) return "Partly right (" + Math.round(fraction * 100) + "% of the marks).";
      return "Not quite.";
    }

    // Check the answer: an incomplete or wrong-count answer is refused (ask again);
    // otherwise grade, explain every option and lock the question.
    function check() {
      var a = answer();
      if (a.error) {
        feedback.hidden = false;
        feedback.setAttribute("data-correct", "incomplete");
        verdict.textContent = a.error;
        return null;
      }
      return saved(show(a, practiceVerdict));
    }

    function dontKnow() {
      return saved(show({ unknown: true, chosen: [] }, function () {
        return "You said you don't know: here is the answer (counted as a miss).";
      }));
    }

    // A practice answer goes to this browser's answers (exam answers go at submit).
    function saved(fraction) {
      recordAnswers([{ id: q.id, score: fraction, mode: "practice" }]);
      return fraction;
    }

    if (opts && opts.onChange) body.addEventListener("change", opts.onChange);

    if (mode === "practice") {
      root.appendChild(el("div", { className: "cl-actions" },
        button("Check answer", "md-button--primary cl-submit", check),
        button("I don't know", "cl-dont-know", dontKnow)));
    }
    root.appendChild(feedback);

    return {
      node: root,
      question: q,
      check: check,
      dontKnow: dontKnow,
      // For the exam's saved state: the shown option order, the options ticked, and
      // ticking them again after a reload.
      layout: function () {
        return parts.map(function (p, i) { return [p.shownAt, i]; })
          .sort(function (x, y) { return x[0] - y[0]; }).map(function (x) { return x[1]; });
      },
      chosen: function () {
        var picked = [];
        parts.forEach(function (p, i) { if (p && p.input && p.input.checked) picked.push(i); });
        return picked;
      },
      choose: function (indexes) {
        parts.forEach(function (p, i) { if (p && p.input) p.input.checked = indexes.indexOf(i) >= 0; });
      },
      // For the exam: the reason this answer cannot be submitted (null when it can;
      // a question left blank can be submitted, and counts as wrong).
      problem: function () {
        var a = answer();
        return a.error && !a.empty ? a.error : null;
      },
      // Exam scoring: all or nothing; null when unanswered.
      result: function () {
        var a = answer();
        if (a.error) return null;
        return score(a) === 1 ? 1 : 0;
      },
      flagProblem: function (message) {
        feedback.hidden = !message;
        feedback.setAttribute("data-correct", "incomplete");
        verdict.textContent = message || "";
      },
      markExam: function () {
        var a = answer();
        var blank = !!a.error;
        show(blank ? { unknown: true, chosen: [] } : a, function (fraction, correct) {
          return blank ? "Not answered: here is the answer." : (correct ? "Correct." : "Incorrect.");
        });
        if (blank) root.setAttribute("data-state", "unanswered");
        if (!blank && score(a) < 1) {
          root.setAttribute("data-state", "incorrect");
          feedback.setAttribute("data-correct", "false");
        }
      },
    };
  }

  function renderSet(container, questions, opts) {
    var widgets = questions.map(function (q, i) {
      var w = question(q, { mode: opts.mode, number: opts.numbered ? i + 1 : null,
                            order: opts.orders ? opts.orders[q.id] : null,
                            onChange: opts.onChange });
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
    container.appendChild(savedBar());
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
    container.appendChild(savedBar());
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

  // The readiness range: the 90% Wilson score interval, as grader/quiz/readiness.py.
  var Z90 = 1.6448536269514722;

  function wilson(correct, total) {
    var p = correct / total, z2 = Z90 * Z90;
    var centre = (p + z2 / (2 * total)) / (1 + z2 / total);
    var half = Z90 * Math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total);
    return [correct === 0 ? 0 : Math.max(0, centre - half),
            correct === total ? 1 : Math.min(1, centre + half)];
  }

  function pct(x) { return Math.round(x * 100) + "%"; }

  // "44%-87% (from 10 questions)", as grader.quiz.readiness.describe.
  function describeRange(correct, total) {
    if (!total) return "not tested";
    var r = wilson(correct, total);
    return pct(r[0]) + "-" + pct(r[1]) + " (from " + plural(total, "question") + ")";
  }

  // The real exam's minutes per question times n, rounded up (grader.quiz.exam.pace_minutes).
  function paceMinutes(spec, n) { return Math.ceil(spec.minutes * n / spec.questions); }

  function clock(seconds) {
    var whole = Math.max(0, Math.ceil(seconds));
    var m = Math.floor(whole / 60), sec = whole % 60;
    return m + ":" + (sec < 10 ? "0" : "") + sec;
  }

  // The exam page. As `computelab exam`: a clock at the real exam's pace that counts the
  // time the page is open (a reload resumes with the time that was left), flags, a status
  // line of what is unanswered or flagged, every answer kept in this browser as it is
  // given, and after submitting the same report as the terminal (per-domain readiness
  // ranges, never a pass/fail verdict) above a review of every question.
  function exam(container, data) {
    container.textContent = "";
    var exams = data.exams || {};
    var ids = Object.keys(exams);
    if (!ids.length) {
      container.appendChild(el("p", { className: "cl-empty", text: "No exam guides in the data." }));
      return;
    }
    var byId = {};
    data.questions.forEach(function (q) { byId[q.id] = q; });
    var which = el("select", { className: "cl-select cl-exam-choice", "aria-label": "Exam" });
    ids.forEach(function (id) { which.appendChild(el("option", { value: id, text: exams[id].label })); });
    var size = el("select", { className: "cl-select cl-exam-size", "aria-label": "Questions" });
    [10, 20, 65].forEach(function (n) { size.appendChild(el("option", { value: n, text: plural(n, "question") })); });
    size.value = "65";
    var kind = el("select", { className: "cl-select cl-exam-form", "aria-label": "Form" });
    kind.appendChild(el("option", { value: "", text: "Random draw" }));
    [1, 2, 3].forEach(function (n) { kind.appendChild(el("option", { value: n, text: "Mock exam form " + n })); });
    var info = el("p", { className: "cl-intro" });
    var scope = el("p", { className: "cl-intro cl-scope" });
    var resumed = el("p", { className: "cl-intro cl-exam-resumed", hidden: true, role: "status" });
    var paper = el("div", { className: "cl-set" });
    var report = el("div", { className: "cl-report", hidden: true, tabindex: "-1",
                             role: "region", "aria-label": "Exam report" });
    var problems = el("p", { className: "cl-error cl-exam-problems", hidden: true, role: "alert" });
    var timer = el("span", { className: "cl-exam-timer", role: "timer", "aria-live": "off" });
    var status = el("span", { className: "cl-exam-status", "aria-live": "polite" });
    var bar = el("div", { className: "cl-exam-bar", hidden: true }, timer, status);
    var widgets = [];
    var state = null;      // the exam in progress, as kept in localStorage
    var ticking = null;
    var lastTick = 0;
    var submit = button("Submit exam", "md-button--primary cl-exam-submit", function () { finish(false); });
    submit.hidden = true;

    // A fixed form is the full-size set the CLI's `computelab exam --form N` gives.
    function formIds() {
      var forms = exams[which.value].forms || [];
      var chosen = kind.value ? forms[parseInt(kind.value, 10) - 1] : null;
      return chosen && chosen.length ? chosen : null;   // an exam without forms: random draw
    }

    function describe() {
      var spec = exams[which.value];
      var ids = formIds();
      size.disabled = !!ids;
      var n = ids ? ids.length : parseInt(size.value, 10);
      info.textContent = spec.label + ". Domains: " + spec.domains.map(function (d) {
        return d.title + " " + d.weight + "%";
      }).join(", ") + ". Time for " + plural(n, "question") + " at the real exam's pace (" +
        spec.questions + " questions in " + spec.minutes + " minutes): about " +
        paceMinutes(spec, n) + " minutes.";
      scope.textContent = spec.scope;
    }

    function left() { return state.minutes * 60 - state.used; }

    function save() { if (state) writeStored(EXAM_KEY, state); }

    // Count the time since the last tick; a sleeping laptop or a throttled background tab
    // counts at most 90 s a tick.
    function tick() {
      var now = Date.now();
      state.used += Math.min(90, Math.max(0, (now - lastTick) / 1000));
      lastTick = now;
      save();
      timer.textContent = "Time left " + clock(left());
      if (left() <= 0) finish(true);
    }

    function stopClock() {
      if (ticking) clearInterval(ticking);
      ticking = null;
    }

    function showStatus() {
      var unanswered = [], flagged = [];
      widgets.forEach(function (w, i) {
        if (!(state.answers[w.question.id] || []).length) unanswered.push(i + 1);
        if (state.flags.indexOf(w.question.id) >= 0) flagged.push(i + 1);
      });
      status.textContent = "Answered " + (widgets.length - unanswered.length) + " of " +
        widgets.length + " · Unanswered: " + (unanswered.join(", ") || "none") +
        " · Flagged: " + (flagged.join(", ") || "none");
    }

    function flagButton(w) {
      var qid = w.question.id;
      var flag = el("button", { type: "button", className: "md-button cl-flag", "aria-pressed": "false" });
      function paint() {
        var on = state.flags.indexOf(qid) >= 0;
        flag.setAttribute("aria-pressed", String(on));
        flag.textContent = on ? "⚑ Flagged for review" : "Flag for review";
        w.node.setAttribute("data-flagged", String(on));
      }
      flag.addEventListener("click", function () {
        var at = state.flags.indexOf(qid);
        if (at >= 0) state.flags.splice(at, 1); else state.flags.push(qid);
        paint();
        save();
        showStatus();
      });
      paint();
      return el("div", { className: "cl-actions cl-exam-actions" }, flag);
    }

    // Lay out the paper of `state` (new or resumed) and start the clock.
    function render() {
      paper.textContent = "";
      report.hidden = true;
      report.textContent = "";
      problems.hidden = true;
      var questions = state.ids.map(function (id) { return byId[id]; });
      widgets = renderSet(paper, questions, { mode: "exam", numbered: true, orders: state.orders,
                                              onChange: answered });
      widgets.forEach(function (w, i) {
        w.node.id = "cl-exam-q" + (i + 1);
        w.choose(state.answers[w.question.id] || []);
        w.node.insertBefore(flagButton(w), w.node.querySelector(".cl-feedback"));
      });
      paper.setAttribute("data-exam", state.exam);
      paper.setAttribute("data-session", state.session);
      submit.hidden = !widgets.length;
      submit.disabled = false;
      bar.hidden = false;
      showStatus();
      lastTick = Date.now();
      stopClock();
      ticking = setInterval(tick, 1000);
      tick();
    }

    function answered() {
      widgets.forEach(function (w) { state.answers[w.question.id] = w.chosen(); });
      save();
      showStatus();
    }

    function start() {
      var current = readStored(EXAM_KEY, null);
      if (current && !window.confirm("Discard the exam in progress (" +
          clock(current.minutes * 60 - current.used) + " left) and start a new one?")) return;
      var ids = formIds();
      var chosen = ids ? ids.map(function (id) { return byId[id]; }).filter(Boolean)
                       : drawExam(data, which.value, parseInt(size.value, 10));
      var spec = exams[which.value];
      state = { version: 1, exam: which.value, ids: chosen.map(function (q) { return q.id; }),
                orders: {}, answers: {}, flags: [], used: 0,
                minutes: paceMinutes(spec, chosen.length),
                session: "web-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 6) };
      resumed.hidden = true;
      render();
      widgets.forEach(function (w) { state.orders[w.question.id] = w.layout(); });
      save();
    }

    // An exam left open (a reload, a closed tab): resume it where it was.
    function resume() {
      var saved = readStored(EXAM_KEY, null);
      if (!saved || !exams[saved.exam] || !Array.isArray(saved.ids) ||
          !saved.ids.every(function (id) { return byId[id]; })) {
        if (saved) writeStored(EXAM_KEY, null);     // from an older site: cannot be shown
        return;
      }
      state = saved;
      which.value = state.exam;
      describe();
      render();
      if (!state) return;              // the time had run out: render() submitted it
      resumed.textContent = "Resumed your exam in progress: " + clock(left()) + " left, " +
        status.textContent + ".";
      resumed.hidden = false;
    }

    function finish(timeUp) {
      var spec = exams[state.exam];
      // A "choose N" question with another number of answers is refused, as in the CLI.
      var wrongCount = [];
      widgets.forEach(function (w, i) {
        var message = w.problem();
        w.flagProblem(message);
        if (message) wrongCount.push("question " + (i + 1) + ": " + message);
      });
      if (wrongCount.length && !timeUp) {
        problems.textContent = "Not submitted. Fix " + wrongCount.join("; ");
        problems.hidden = false;
        problems.scrollIntoView({ block: "nearest" });
        return;
      }
      problems.hidden = true;
      var unanswered = widgets.filter(function (w) { return w.result() === null; }).length;
      var flagged = state.flags.length;
      if (!timeUp && (unanswered || flagged) && !window.confirm(
          plural(unanswered, "question") + " not answered (counted as wrong) and " + flagged +
          " flagged. Submit anyway?")) return;
      stopClock();
      var byDomain = {};
      spec.domains.forEach(function (d) { byDomain[d.id] = { title: d.title, weight: d.weight, right: 0, total: 0 }; });
      var right = 0, given = [];
      widgets.forEach(function (w) {
        var result = w.result();
        var ok = result === 1;
        var d = byDomain[w.question.domains[state.exam]];
        if (d) { d.total++; if (ok) d.right++; }
        if (ok) right++;
        if (result !== null) given.push({ id: w.question.id, score: result, mode: "exam", exam: state.session });
        w.markExam();
        var flag = w.node.querySelector(".cl-flag");
        if (flag) flag.disabled = true;
      });
      recordAnswers(given);
      submit.disabled = true;
      bar.hidden = true;
      resumed.hidden = true;
      var total = widgets.length;
      var overall = wilson(right, total);
      report.textContent = "";
      report.setAttribute("data-low", overall[0].toFixed(4));
      report.setAttribute("data-high", overall[1].toFixed(4));
      report.appendChild(el("p", { className: "cl-label", text: spec.label + " — practice exam " + state.session }));
      if (timeUp) report.appendChild(el("p", { className: "cl-time-up", text: "Time is up: your answers were submitted." }));
      report.appendChild(el("p", { className: "cl-score", text:
        right + " of " + total + " compute questions right (" + pct(right / total) +
        "): readiness range " + describeRange(right, total) + "." }));
      var table = el("table", { className: "cl-domains" },
        el("caption", { text: "Readiness by exam guide domain" }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Domain" }),
                           el("th", { scope: "col", text: "Weight" }),
                           el("th", { scope: "col", text: "Right" }),
                           el("th", { scope: "col", text: "Readiness range (compute questions)" }))));
      var tbody = el("tbody");
      Object.keys(byDomain).forEach(function (id) {
        var d = byDomain[id];
        tbody.appendChild(el("tr", { "data-domain": id }, el("th", { scope: "row", text: d.title }),
                             el("td", { text: d.weight + "%" }),
                             el("td", { text: d.right + "/" + d.total }),
                             el("td", { className: "cl-range", text: describeRange(d.right, d.total) })));
      });
      table.appendChild(tbody);
      report.appendChild(table);
      var usedMinutes = Math.round(Math.min(state.used, state.minutes * 60) / 60 * 100) / 100;
      report.appendChild(el("p", { className: "cl-summary", text:
        (total - unanswered) + " answered; " + flagged + " flagged; " + usedMinutes + " of " +
        state.minutes + " minutes used. Your answers are saved in this browser: export them" +
        " below to add them to your review schedule." }));
      report.appendChild(el("p", { className: "cl-note", text: spec.scope }));
      report.appendChild(el("p", { className: "cl-note", text: spec.note }));
      report.appendChild(el("p", { text: "Each question below shows your answer, why every option is right or wrong (your choice first), and its topic, difficulty and id." }));
      report.hidden = false;
      writeStored(EXAM_KEY, null);
      state = null;
      // The report's top clears the sticky header (scroll-margin-top in quiz.css).
      report.scrollIntoView({ block: "start" });
      report.focus({ preventScroll: true });
    }

    which.addEventListener("change", describe);
    size.addEventListener("change", describe);
    kind.addEventListener("change", describe);
    container.appendChild(el("div", { className: "cl-controls" },
      el("label", {}, "Exam ", which), el("label", {}, " Set ", kind),
      el("label", {}, " Size ", size),
      button("Start", "md-button--primary cl-start", start)));
    container.appendChild(info);
    container.appendChild(scope);
    container.appendChild(resumed);
    container.appendChild(report);
    container.appendChild(bar);
    container.appendChild(paper);
    container.appendChild(problems);
    container.appendChild(el("div", { className: "cl-actions" }, submit));
    container.appendChild(savedBar());
    describe();
    resume();
    // instant navigation away: stop this page's clock (the state is saved every second)
    var watch = setInterval(function () {
      if (!container.isConnected) { stopClock(); clearInterval(watch); }
    }, 1000);
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

  window.computelabQuiz = { init: init, allocate: allocate, question: question, wilson: wilson,
                            paceMinutes: paceMinutes };

  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(function () { init(document); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
