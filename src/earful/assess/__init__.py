"""The strategic assessment: a maturity snapshot of the centre from its own data and the director's
answers, with the gaps ranked by what closing them is worth and a plan.

``assess(con, start, end, model, answers, contracts) -> Assessment`` measures the evidence
(``earful.assess.evidence``), reads the answers, scores each practice and dimension
(``earful.assess.scoring``); ``save`` keeps a snapshot and ``changes`` says what moved since the
last one (``earful.assess.snapshots``). The model is a YAML file (``model.yaml`` ships beside this
module). Rules and sources: docs/assess.md.
"""

from earful.assess.evidence import Evidence, measure, period_of, worth
from earful.assess.model import MEASURES, MaturityModel, Practice, default_model_path, load_model, parse_model
from earful.assess.scoring import (Answer, Answers, Assessment, DimensionResult, PracticeResult, assess, load_answers,
                                   parse_answers, score)
from earful.assess.snapshots import changes, previous, save, snapshot, snapshots

__all__ = [
    "MEASURES", "Answer", "Answers", "Assessment", "DimensionResult", "Evidence", "MaturityModel", "Practice",
    "PracticeResult", "assess", "changes", "default_model_path", "load_answers", "load_model", "measure",
    "parse_answers", "parse_model", "period_of", "previous", "save", "score", "snapshot", "snapshots", "worth",
]
