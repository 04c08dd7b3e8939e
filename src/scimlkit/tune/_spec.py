"""SPEC.toml: a tuning job described in one file, for ``scimlkit tune run``.

Example::

    estimator = "sklearn.ensemble.HistGradientBoostingClassifier"   # or a function, see below
    scoring = "neg_log_loss"      # any scikit-learn scorer name (default: the estimator's score)
    cv = 5                        # folds (stratified for classifiers)
    n_trials = 30
    method = "auto"               # auto, gp, de, random, sobol or grid
    n_workers = 1
    storage = "study.db"          # optional: keep and resume the study (relative to this file); a stored
                                  # study of another estimator, [params], scoring, cv, target, features
                                  # or data (an edited file too) is refused
    study = "hgb"                 # optional study name
    seed = 0
    pruner = "median"             # optional: none, median or halving (stop trials after a few folds)
    patience = 20                 # optional: stop the study when the best has not improved for 20 trials
    known = "grid_results.csv"    # optional: evaluations made before (say a grid search's cv_results_) to start
                                  # from; or a table: known = { path = "...", score = "mean_test_score" };
                                  # or an earlier study: known = { path = "grid.db", study = "grid" }

    [params]                      # fixed estimator parameters
    max_iter = 200

    [data]
    path = "train.csv"            # CSV, TSV, Parquet, Feather or .npy (relative to this file)
    target = "label"
    features = ["a", "b"]        # optional: default every other column
    groups = "patient"            # optional: a column of groups; the folds (GroupKFold) keep each group whole

    [space.learning_rate]
    type = "float"
    low = 0.01
    high = 1.0
    log = true

    [space.max_leaf_nodes]
    type = "int"
    low = 8
    high = 128

    [space.early_stopping]
    type = "categorical"
    choices = [true, false]

    [space.validation_fraction]   # a conditional parameter: searched only when early stopping is on
    type = "float"
    low = 0.05
    high = 0.3
    when = { early_stopping = true }   # a value or a list of values of an earlier parameter

    [space.max_depth]             # TOML has no null: the string "None" stands for Python's None, as a
    type = "categorical"          # choice, a `when` value or a value in [params]
    choices = ["None", 3, 5]

``estimator`` is the import path of an estimator class, or of a function that takes no arguments
and returns a scikit-learn estimator, such as a pipeline::

    # models.py, beside the spec (or any importable module: installed, or on PYTHONPATH)
    def scaled_svc():
        return make_pipeline(StandardScaler(), SVC())

    estimator = "models.scaled_svc"
    [params]                      # set on what the function returns, with set_params
    svc__kernel = "rbf"
    [space.svc__C]                # nested names, as in scikit-learn's searches
    type = "float"
    low = 0.01
    high = 100.0
    log = true
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import InputError
from .._io import read_table
from .._validation import check_int, describe
from ._digest import _settings_digest_v1, _spec_data_digest_v1, data_digest, settings_digest
from ._optimizers import METHODS
from ._pruning import PRUNER_NAMES
from ._space import Categorical, Float, Int, Space

__all__ = ["TuneSpec", "load_spec", "CVObjective"]

_TOP = {"estimator", "scoring", "cv", "n_trials", "method", "n_workers", "storage", "study", "seed",
        "pruner", "patience", "known", "params", "data", "space"}
_DATA = {"path", "target", "features", "groups"}
_KNOWN = {"path", "loss", "score", "study"}
_STUDY_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_NONE = "None"  # TOML has no null: this string stands for Python's None
_PARAM_KEYS = {"float": {"type", "low", "high", "log", "when"}, "int": {"type", "low", "high", "log", "when"},
               "categorical": {"type", "choices", "when"}}


@dataclass(frozen=True)
class TuneSpec:
    """A parsed SPEC.toml (paths resolved against the spec's folder)."""

    source: Path
    estimator: str
    params: dict
    space: Space
    data: Path
    target: str
    features: list[str] | None
    scoring: str | None
    cv: int
    n_trials: int
    method: str
    n_workers: int
    storage: Path | None
    study: str | None
    seed: int | None
    pruner: str = "none"
    patience: int | None = None
    known: Path | str | None = None  # "-": a table read from standard input
    known_columns: dict | None = None  # {"loss": name} or {"score": name}; None: the default columns
    known_study: str | None = None  # the study to read when ``known`` is a study storage file
    groups: str | None = None  # a column of groups for the folds (GroupKFold)

    def load_known(self):
        """The earlier evaluations (``known``), or None when the spec has none.

        A table file: scores (``mean_test_score``, ``score`` or the named ``score`` column) are
        the estimator's cross-validated scores; losses (``loss``, ``value``) are minus those
        scores, as this command stores them. A study storage file (``.db``, ``.sqlite``):
        the trials of one of its studies (``study``, needed when it holds several). ``"-"``: a
        table read from standard input. A table with column names and no rows adds nothing.
        """
        if self.known is None:
            return None
        if self.known == "-":
            return read_table("-", name="known", allow_empty=True)
        if self.known.suffix.lower() in _STUDY_SUFFIXES:
            from ._study import _existing_storage, read_study

            if self.known_study is None:
                names = _existing_storage(self.known).study_names()
                if len(names) != 1:
                    raise InputError(f"known '{self.known}' holds {len(names)} studies ({', '.join(names) or 'none'})"
                                     f"; name one in the spec: known = {{ path = \"{self.known.name}\", "
                                     f"study = \"NAME\" }}")
            return read_study(self.known, self.known_study)
        return read_table(self.known, name="known", allow_empty=True)

    def build_estimator(self):
        """Import the estimator and create it with the fixed parameters: a class is called with
        them; a function (say one returning a pipeline) is called without arguments and they are
        set on what it returns with ``set_params``."""
        module_name, _, class_name = self.estimator.rpartition(".")
        if not module_name:
            raise InputError(f"spec '{self.source}': `estimator` must be an import path such as "
                             f"'sklearn.linear_model.Ridge', got {self.estimator!r}")
        try:
            module = self._import(module_name)
        except (ImportError, TypeError, ValueError) as exc:  # TypeError: a relative path such as '..Foo'
            hint = ""
            if isinstance(exc, ModuleNotFoundError) and exc.name == module_name.partition(".")[0]:
                hint = "; a module of your own goes beside the spec or in a folder on PYTHONPATH"
            raise InputError(f"spec '{self.source}': estimator '{self.estimator}' could not be imported "
                             f"({exc}){hint}") from None
        cls = getattr(module, class_name, None)
        if cls is None:
            top = module_name.partition(".")[0]
            beside = self._beside(top)
            shadowed = ""
            imported = getattr(sys.modules.get(top), "__file__", None)  # the top-level module that was imported
            if beside is not None and (imported is None or Path(imported).resolve() != beside.resolve()):
                shadowed = (f" (module '{top}' was imported from {imported or 'an installed package'}, not from "
                            f"the '{top}' beside the spec: rename that module)")
            raise InputError(f"spec '{self.source}': estimator '{self.estimator}' not found: "
                             f"module '{module_name}' has no '{class_name}'{shadowed}")
        if not callable(cls):
            raise InputError(f"spec '{self.source}': '{self.estimator}' is not a class or a function returning "
                             "an estimator")
        if isinstance(cls, type):
            try:
                estimator = cls(**self.params)
            except TypeError as exc:
                raise InputError(f"spec '{self.source}': [params] not accepted by {class_name}: {exc}") from None
        else:  # a factory, such as a function building a pipeline
            try:
                estimator = cls()
            except Exception as exc:
                raise InputError(f"spec '{self.source}': estimator function '{self.estimator}' failed when called "
                                 f"without arguments: {type(exc).__name__}: {exc}") from None
        if isinstance(estimator, type) or not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
            what = "" if isinstance(cls, type) else (
                f" (it returned the class {estimator.__name__}, not an estimator made from it)"
                if isinstance(estimator, type) else f" (it returned {describe(estimator)})")
            raise InputError(f"spec '{self.source}': '{self.estimator}' is not a scikit-learn estimator{what}")
        if not isinstance(cls, type) and self.params:
            try:
                estimator.set_params(**self.params)
            except (TypeError, ValueError) as exc:
                raise InputError(f"spec '{self.source}': [params] not accepted by the estimator '{class_name}' "
                                 f"returns: {exc}") from None
        valid = set(estimator.get_params(deep=True))
        unknown = [n for n in self.space.names if n not in valid]
        if unknown:
            import difflib

            close = difflib.get_close_matches(unknown[0], sorted(valid), n=1)
            of = class_name if isinstance(cls, type) else f"the {type(estimator).__name__} '{class_name}' returns"
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise InputError(f"spec '{self.source}': [space] names {unknown} are not parameters of {of}{hint}")
        return estimator

    def _import(self, module_name: str):
        """Import the estimator's module; one of the user's own, beside the spec, is found too (its
        folder is put on ``sys.path``, which worker processes inherit)."""
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            top = module_name.partition(".")[0]
            if exc.name != top or self._beside(top) is None:
                raise
            folder = str(self.source.resolve().parent)
            if folder not in sys.path:  # last: a file beside the spec never hides an installed module
                sys.path.append(folder)
            importlib.invalidate_caches()
            return importlib.import_module(module_name)

    def _beside(self, top: str) -> Path | None:
        """The file of a module or package named ``top`` beside the spec, or None."""
        folder = self.source.resolve().parent
        return next((f for f in (folder / f"{top}.py", folder / top / "__init__.py") if f.is_file()), None)

    def objective_label(self, X, y, estimator=None, groups=None) -> tuple[str, tuple[str, ...]]:
        """What this job's losses measure, stored with its study: the estimator and its fixed
        parameters, the scoring, the folds, the target and features, and the data read (the file's
        name and a digest of ``X`` and ``y``: an edited file is another objective). A function
        building the estimator is named with what it built (its class and a digest of its
        settings outside the space, so that an edited function is another objective). A stored
        study of another label is not resumed. Returns the label and the earlier form a stored
        study may carry (the estimator, scoring and target only), accepted and relabelled. With
        ``groups`` (the spec's groups column), a digest of the groups is part of the label."""
        params = f" {json.dumps(self.params, sort_keys=True, default=str)}" if self.params else ""
        features = "" if self.features is None else f", features {self.features}"
        if self.groups is not None:  # the groups make the folds: regrouped data is another objective
            features += f", groups '{self.groups}'" + ("" if groups is None else f" #{data_digest(groups, None)}")
        scoring = self.scoring or "score"

        def label(settings, data):
            built = ""
            if estimator is not None and not self._is_class():
                kind = type(estimator)
                built = f" (builds {kind.__module__}.{kind.__qualname__} #{settings(estimator, self.space.names)})"
            return (f"{self.estimator}{built}{params}, scoring {scoring}, cv {self.cv}, "
                    f"target '{self.target}'{features}, data {self.data.name} #{data(X, y)}")

        # the same job labelled before the data digest left out the (default) index and the
        # settings digest the settings that do not change the losses; before that, the short form
        earlier = (label(_settings_digest_v1, _spec_data_digest_v1), f"{self.estimator}, scoring {scoring}, target '{self.target}'")
        return label(settings_digest, data_digest), earlier

    def _is_class(self) -> bool:
        module_name, _, name = self.estimator.rpartition(".")
        return isinstance(getattr(self._import(module_name), name, None), type)

    @cached_property
    def _table(self):
        """The columns of the data file the job uses (target, features, groups), read once."""
        columns = [self.target, *(self.features or []), *([] if self.groups is None else [self.groups])]
        return read_table(self.data, columns=columns, name="data")

    def load_data(self):
        """Read the data file; returns ``(X, y)`` as a DataFrame and a Series."""
        frame = self._table
        features = self.features or [c for c in frame.columns if c not in (self.target, self.groups)]
        if not features:
            raise InputError(f"data '{self.data}' has no feature column besides the target '{self.target}'")
        y = frame[self.target]
        if y.isna().any():
            raise InputError(f"target column '{self.target}' of '{self.data}' has {int(y.isna().sum())} missing value(s)")
        if len(frame) < self.cv:
            raise InputError(f"data '{self.data}' has {len(frame)} row(s): too few for cv={self.cv} folds")
        return frame[features], y

    def load_groups(self):
        """The groups column (None when the spec has none), checked to hold at least ``cv`` groups."""
        if self.groups is None:
            return None
        groups = self._table[self.groups]
        if groups.isna().any():
            raise InputError(f"groups column '{self.groups}' of '{self.data}' has {int(groups.isna().sum())} "
                             "missing value(s)")
        if groups.nunique() < self.cv:
            raise InputError(f"groups column '{self.groups}' of '{self.data}' has {groups.nunique()} group(s): "
                             f"too few for cv={self.cv} folds")
        return groups.to_numpy()


def _none(value):
    """A value of the spec as Python sees it: the string ``"None"`` is ``None``."""
    return None if isinstance(value, str) and value == _NONE else value


def _when(when):
    """``when`` with its ``"None"`` values read as ``None`` (anything else is checked by the space)."""
    if not isinstance(when, dict):
        return when
    return {k: [_none(v) for v in vs] if isinstance(vs, list) else _none(vs) for k, vs in when.items()}


def _fail(source, text) -> InputError:
    return InputError(f"spec '{source}': {text}")


def _unknown(source, where: str, given, allowed) -> None:
    extra = sorted(set(given) - set(allowed))
    if extra:
        raise _fail(source, f"unknown key(s) {extra} in {where}; allowed: {', '.join(sorted(allowed))}")


def _path(base: Path, value, source, key) -> Path:
    if not isinstance(value, str) or not value:
        raise _fail(source, f"`{key}` must be a file path, got {describe(value)}")
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else base / p


def _space(source, table) -> Space:
    if not isinstance(table, dict) or not table:
        raise _fail(source, "[space] must have at least one parameter, e.g. [space.alpha] with type, low, high")
    params = {}
    for name, spec in table.items():
        if not isinstance(spec, dict):
            raise _fail(source, f"[space.{name}] must be a table with `type`, got {describe(spec)}")
        kind = spec.get("type")
        if kind not in _PARAM_KEYS:
            raise _fail(source, f"[space.{name}] `type` must be 'float', 'int' or 'categorical', got {describe(kind)}")
        _unknown(source, f"[space.{name}]", spec, _PARAM_KEYS[kind])
        try:
            if kind == "categorical":
                if "choices" not in spec:
                    raise _fail(source, f"[space.{name}] needs `choices`")
                choices = spec["choices"]
                if isinstance(choices, list):
                    choices = [_none(c) for c in choices]
                params[name] = Categorical(choices, when=_when(spec.get("when")))
            else:
                missing = [k for k in ("low", "high") if k not in spec]
                if missing:
                    raise _fail(source, f"[space.{name}] needs {' and '.join(f'`{k}`' for k in missing)}")
                maker = Float if kind == "float" else Int
                params[name] = maker(spec["low"], spec["high"], log=spec.get("log", False),
                                     when=_when(spec.get("when")))
        except InputError as exc:
            if str(exc).startswith("spec '"):
                raise
            raise _fail(source, f"[space.{name}]: {exc}") from None
    try:
        return Space(params)
    except InputError as exc:
        raise _fail(source, f"[space]: {exc}") from None


def load_spec(path) -> TuneSpec:
    """Read and check a SPEC.toml (see the module docstring for the format).

    Raises
    ------
    InputError
        A missing or unreadable file, a missing or unknown key, bad bounds, an unknown method.
    """
    source = Path(path)
    if not source.exists():
        raise InputError(f"spec '{source}' does not exist")
    try:
        doc = tomllib.loads(source.read_bytes().decode("utf-8-sig"))  # a byte-order mark is fine
    except UnicodeDecodeError as exc:
        raise InputError(f"spec '{source}' must be UTF-8 text (byte {exc.start} is not UTF-8); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"spec '{source}' is not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"spec '{source}' could not be read: {exc}") from None
    _unknown(source, "the spec", doc, _TOP)
    base = source.parent
    for key in ("estimator", "n_trials", "data", "space"):
        if key not in doc:
            raise _fail(source, f"missing required key `{key}`")
    estimator = doc["estimator"]
    if not isinstance(estimator, str) or not estimator.strip():
        raise _fail(source, f"`estimator` must be an import path string, got {describe(estimator)}")
    params = doc.get("params", {})
    if not isinstance(params, dict):
        raise _fail(source, f"[params] must be a table, got {describe(params)}")
    params = {name: _none(value) for name, value in params.items()}
    data = doc["data"]
    if not isinstance(data, dict):
        raise _fail(source, "[data] must be a table with `path` and `target`")
    _unknown(source, "[data]", data, _DATA)
    for key in ("path", "target"):
        if key not in data:
            raise _fail(source, f"[data] needs `{key}`")
    target = data["target"]
    if not isinstance(target, str):
        raise _fail(source, f"[data] `target` must be a column name, got {describe(target)}")
    features = data.get("features")
    if features is not None and (not isinstance(features, list) or not all(isinstance(f, str) for f in features)):
        raise _fail(source, f"[data] `features` must be a list of column names, got {describe(features)}")
    if features is not None and not features:
        raise _fail(source, "[data] `features` is empty: name the feature columns or leave it out to use every "
                            "column but the target")
    if features is not None and target in features:
        raise _fail(source, f"[data] `features` includes the target '{target}'")
    if features is not None and len(set(features)) < len(features):
        raise _fail(source, "[data] `features` names a column twice")
    groups = data.get("groups")
    if groups is not None and (not isinstance(groups, str) or not groups):
        raise _fail(source, f"[data] `groups` must be a column name, got {describe(groups)}")
    if groups is not None and (groups == target or groups in (features or [])):
        raise _fail(source, f"[data] `groups` column '{groups}' is also the target or a feature")
    scoring = doc.get("scoring")
    if scoring is not None:
        from sklearn.metrics import get_scorer_names

        if not isinstance(scoring, str) or scoring not in get_scorer_names():
            raise _fail(source, f"`scoring` must be a scikit-learn scorer name such as 'accuracy' or "
                                f"'neg_mean_squared_error', got {describe(scoring)}")
    method = doc.get("method", "auto")
    if isinstance(method, str):
        method = method.strip().lower()
    if method not in METHODS:
        raise _fail(source, f"`method` must be one of {', '.join(METHODS)}, got {describe(method)}")
    pruner = doc.get("pruner", "none")
    if isinstance(pruner, str):
        pruner = pruner.strip().lower()
    if pruner not in PRUNER_NAMES:
        raise _fail(source, f"`pruner` must be one of {', '.join(PRUNER_NAMES)}, got {describe(pruner)}")
    study = doc.get("study")
    if study is not None and (not isinstance(study, str) or not study):
        raise _fail(source, f"`study` must be a non-empty string, got {describe(study)}")
    known, known_columns, known_study = _known(base, source, doc.get("known"))
    try:
        cv = check_int(doc.get("cv", 5), "cv", low=2)
        n_trials = check_int(doc["n_trials"], "n_trials", low=1)
        n_workers = check_int(doc.get("n_workers", 1), "n_workers", low=1)
        seed = check_int(doc.get("seed"), "seed", low=0, allow_none=True)
        patience = check_int(doc.get("patience"), "patience", low=1, allow_none=True)
    except InputError as exc:
        raise _fail(source, str(exc)) from None
    space = _space(source, doc["space"])
    both = [name for name in space.names if name in params]
    if both:
        raise _fail(source, f"{both} set in [params] and searched in [space]: keep each parameter in one of them")
    return TuneSpec(
        source=source, estimator=estimator.strip(), params=params, space=space,
        data=_path(base, data["path"], source, "data.path"), target=target, features=features, scoring=scoring,
        cv=cv, n_trials=n_trials, method=method, n_workers=n_workers,
        storage=None if doc.get("storage") is None else _path(base, doc["storage"], source, "storage"),
        study=study, seed=seed, pruner=pruner, patience=patience, known=known, known_columns=known_columns,
        known_study=known_study, groups=groups,
    )


def _known(base: Path, source, value) -> tuple[Path | None, dict | None, str | None]:
    if value is None:
        return None, None, None
    if isinstance(value, str):
        return _path(base, value, source, "known"), None, None
    if not isinstance(value, dict):
        raise _fail(source, f"`known` must be a file path or a table with `path` (and `loss` or `score`), "
                            f"got {describe(value)}")
    _unknown(source, "[known]", value, _KNOWN)
    if "path" not in value:
        raise _fail(source, "[known] needs `path`")
    if "loss" in value and "score" in value:
        raise _fail(source, "[known] names both `loss` and `score`: name the one column holding the results")
    columns = None
    for key in ("loss", "score"):
        if key in value:
            if not isinstance(value[key], str) or not value[key]:
                raise _fail(source, f"[known] `{key}` must be a column name, got {describe(value[key])}")
            columns = {key: value[key]}
    study = value.get("study")
    if study is not None and (not isinstance(study, str) or not study):
        raise _fail(source, f"[known] `study` must be a study name, got {describe(study)}")
    path = _path(base, value["path"], source, "known.path")
    if study is not None and path.suffix.lower() not in _STUDY_SUFFIXES:
        raise _fail(source, f"[known] `study` applies to a study file ({', '.join(_STUDY_SUFFIXES)}), "
                            f"not to '{path.name}'")
    return path, columns, study


class CVObjective:
    """``params -> -mean cross-validated score`` of an estimator (picklable for worker processes).

    The folds are fitted one after the other (the same folds as ``cross_val_score``: stratified
    for classifiers), and after each the mean loss so far is reported with
    :func:`~scimlkit.tune.report_step` (step = fold index), so a pruner can stop a trial whose
    first folds already score below the other trials' on the same folds. With ``groups``, the
    folds are ``GroupKFold``'s: no group is split between training and test.
    """

    def __init__(self, estimator, X, y, *, cv: int, scoring: str | None, groups=None):
        self.estimator, self.X, self.y, self.cv, self.scoring = estimator, X, y, cv, scoring
        self.groups = groups

    def __call__(self, params: dict[str, Any]) -> float:
        from sklearn.base import clone, is_classifier
        from sklearn.metrics import check_scoring
        from sklearn.model_selection import GroupKFold, check_cv
        from sklearn.utils import _safe_indexing

        from ._pruning import report_step

        model = clone(self.estimator).set_params(**params)
        scorer = check_scoring(model, scoring=self.scoring)
        if self.groups is None:
            splitter = check_cv(self.cv, self.y, classifier=is_classifier(model))
        else:
            splitter = GroupKFold(n_splits=self.cv)
        scores = []
        for fold, (train, test) in enumerate(splitter.split(self.X, self.y, self.groups)):
            fitted = clone(model).fit(_safe_indexing(self.X, train), _safe_indexing(self.y, train))
            scores.append(float(scorer(fitted, _safe_indexing(self.X, test), _safe_indexing(self.y, test))))
            report_step(-float(np.mean(scores)), fold)
        return -float(np.mean(scores))
