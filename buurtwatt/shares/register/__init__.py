"""The share register: participants.csv and holdings.csv.

``model`` is what the rest of the code uses; ``csv_rows``, ``participants`` and ``holdings``
read and check one file each; ``checks`` look across both; ``load`` puts it together.
"""

from buurtwatt.shares.register.load import load_register, parse_register
from buurtwatt.shares.register.model import Holding, Participant, Payment, Register
from buurtwatt.shares.register.problems import RegisterError, RegisterProblem

__all__ = [
    "Holding",
    "Participant",
    "Payment",
    "Register",
    "RegisterError",
    "RegisterProblem",
    "load_register",
    "parse_register",
]
