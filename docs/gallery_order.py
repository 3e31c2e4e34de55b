"""The gallery's order: from training a model to using one (sphinx-gallery sort key)."""

ORDER = [
    "plot_inter_patient.py",
    "plot_grid_search.py",
    "plot_imbalanced.py",
    "plot_annotate_record.py",
    "plot_record_decisions.py",
    "plot_atrial_fibrillation.py",
    "plot_edf_record.py",
    "plot_holter_report.py",
    "plot_gradcam.py",
    "plot_expert_review.py",
]


class ExampleOrder:
    """Sort key of an example's file name: its place in ``ORDER``, unknown files last."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        return (ORDER.index(filename) if filename in ORDER else len(ORDER), filename)
