"""simkit: simulate a portfolio of client accounts under account-management strategies."""

__version__ = "0.1.0"
