from services.eventkit.cli import service_cli
from services.hr_eval.service import HR_EVAL

service_cli(HR_EVAL)()
