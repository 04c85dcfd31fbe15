"""The term report service (后勤条线总结): the logistics office's summary of a term, drafted
from every service's figures by rules, edited by the office, issued in versions."""
