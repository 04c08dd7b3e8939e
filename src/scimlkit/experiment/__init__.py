"""Online experiments and model swaps: A/B tests with effect sizes and intervals, power and
sample size, sequential looks, and model comparison.

:func:`write_report` turns the results of :func:`analyze`, :func:`power_proportions` /
:func:`power_means` (or :func:`power_curve`), :func:`delong_test` and :func:`mcnemar_test` into
one self-contained HTML report, one chapter per result.
"""

from ._analysis_base import ConfidenceInterval
from ._analyze import AnalysisResult, analyze
from ._binary import (
    BinaryTestResult,
    ChiSquareResult,
    FisherExactResult,
    compare_binary,
    compare_proportions,
)
from ._bootstrap import BootstrapResult, bootstrap_difference
from ._continuous import (
    MannWhitneyResult,
    MeanTestResult,
    compare_means,
    compare_means_from_stats,
    mann_whitney,
)
from ._cuped import CupedResult, cuped
from ._models import (
    CorrectedTTestResult,
    DeLongResult,
    McNemarResult,
    PairedBootstrapResult,
    corrected_ttest,
    delong_test,
    mcnemar_test,
    paired_bootstrap_test,
)
from ._multi import (
    MetricsResult,
    adjust_pvalues,
    analyze_metrics,
    compare_many_means,
    compare_many_proportions,
)
from ._power import PowerCurveResult, PowerResult, power_curve, power_means, power_proportions
from ._proportion import ProportionIntervalResult, proportion_interval
from ._ratio import RatioTestResult, compare_ratios
from ._report import write_report
from ._sequential import (
    SequentialDecisionResult,
    SequentialDesignResult,
    sequential_boundaries,
    sequential_decision,
    spending_function,
)
from ._srm import SRMResult, srm_test

__all__ = [
    "analyze", "AnalysisResult",
    "compare_proportions", "compare_binary", "BinaryTestResult", "ChiSquareResult", "FisherExactResult",
    "proportion_interval", "ProportionIntervalResult",
    "compare_means", "compare_means_from_stats", "mann_whitney", "MeanTestResult", "MannWhitneyResult",
    "bootstrap_difference", "BootstrapResult",
    "cuped", "CupedResult",
    "compare_ratios", "RatioTestResult",
    "srm_test", "SRMResult",
    "adjust_pvalues", "compare_many_proportions", "compare_many_means", "analyze_metrics", "MetricsResult",
    "ConfidenceInterval",
    "power_proportions", "power_means", "power_curve", "PowerResult", "PowerCurveResult",
    "sequential_boundaries", "sequential_decision", "spending_function",
    "SequentialDesignResult", "SequentialDecisionResult",
    "delong_test", "mcnemar_test", "corrected_ttest", "paired_bootstrap_test",
    "DeLongResult", "McNemarResult", "CorrectedTTestResult", "PairedBootstrapResult",
    "write_report",
]
