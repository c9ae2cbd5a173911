"""Quality: QA scorecards applied to every interaction, calibrated against people, and agent coaching."""

from earful.quality.rubric import Rubric, default_rubric, load_rubric, parse_rubric
from earful.quality.scorer import QualityScorer, conversation

__all__ = ["QualityScorer", "Rubric", "conversation", "default_rubric", "load_rubric", "parse_rubric"]
