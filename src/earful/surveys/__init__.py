"""Surveys: CSAT, NPS and CES imported and linked to contacts, what they say per group, which contact
features move them (key drivers), and predicted satisfaction for the contacts nobody rated."""

from earful.surveys.load import SurveyMapping, import_surveys, load_mapping, parse_mapping
from earful.surveys.predict import SatisfactionModel, predict_store, train_store

__all__ = ["SatisfactionModel", "SurveyMapping", "import_surveys", "load_mapping", "parse_mapping", "predict_store",
           "train_store"]
