"""credit-yrd: the 信用长三角 regional public-credit platform."""

__version__ = "0.1.0"
