"""The quiz engine's core: question banks, practice rounds, timed exams, spaced repetition.

Modules, one job each: ``model`` (dataclasses), ``bank`` (load and validate YAML),
``present`` (shuffling, lettering, reading replies), ``scoring``, ``render`` (HTML strings),
``rounds`` (practice rounds), ``exam``, ``srs`` (fsrs), ``progress`` (SQLite),
``variants`` (generated numeric questions), ``export`` (GIFT, site JSON), ``anki`` (an
Anki package with stable ids) and ``transfer`` (progress files from the site or another
computer, merged). Nothing here
imports a face: the terminal commands are ``grader.cli.quiz`` and the notebook widget is
``grader.ui.quiz_panel``. In a notebook::

    from grader import practice
    practice("ecs-vs-eks")        # a topic, a comparison or "clf-c02:billing"
"""
