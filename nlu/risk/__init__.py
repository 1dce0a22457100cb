"""Risk detection: which kind of risk a message shows, if any, and why (for the PA)."""

from nlu.risk.detector import NO_RISK, RiskAssessment, RiskDetector, Signal, default_detector
from nlu.risk.taxonomy import CATEGORIES, LEGACY, NONE, PRIORITY, most_urgent

__all__ = [
    "CATEGORIES",
    "LEGACY",
    "NONE",
    "NO_RISK",
    "PRIORITY",
    "RiskAssessment",
    "RiskDetector",
    "Signal",
    "default_detector",
    "most_urgent",
]
