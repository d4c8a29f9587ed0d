"""Imports every domain's models so that `Base.metadata` (and Alembic) sees the whole schema."""

from abuse import models as _abuse  # noqa: F401
from acd import models as _acd  # noqa: F401
from callbacks import models as _callbacks  # noqa: F401
from hotline.database import Base
from ivr import models as _ivr  # noqa: F401
from reports import models as _reports  # noqa: F401
from telephony import models as _telephony  # noqa: F401
from ticketing import models as _tickets  # noqa: F401
from ticketing.access import models as _access  # noqa: F401
from ticketing.deadlines import models as _deadlines  # noqa: F401
from ticketing.kb import models as _kb  # noqa: F401
from ticketing.org import models as _org  # noqa: F401
from ticketing.triage import models as _triage  # noqa: F401

metadata = Base.metadata
