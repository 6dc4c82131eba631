"""Hand-built review data whose backlog and decisions figures are known exactly, made
through the proof services with Django's clock set (see the tests for the figures)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PIL import Image

from accounts.choices import RejectReason, Via
from accounts.services.proofs import (
    proof_approve,
    proof_claim,
    proof_overturn,
    proof_reject,
    proof_return,
    proof_submit,
)
from tests.accounts.proofs.helpers import couple, policy
from tests.factories import staff_user
from tests.reports.data import at, clock
from tests.scans import image_bytes, upload

#: the backlog's "today": Wednesday 15 July 2026, 10:00 Beijing time
TODAY = at(7, 15, 10)


def _page():
    return upload("page.png", image_bytes(Image.new("RGB", (800, 600), "white")), "image/png")


def _submit(clerk, code, when, *, relation="spouse", document_type="marriage_certificate", **kw):
    authorizer, beneficiary = couple(code)
    with clock(when):
        return proof_submit(
            actor=clerk,
            via=Via.ADMIN,
            authorizer=authorizer,
            beneficiary=beneficiary,
            relation=relation,
            document_type=document_type,
            uploads=[_page()],
            **kw,
        )


def _at(month, day, hour, minute=0):
    return at(month, day, hour) + dt.timedelta(minutes=minute)


def _claim(proof, who, when):
    with clock(when):
        return proof_claim(actor=who, via=Via.ADMIN, proof=proof)


def _staff(code, last, first, role="caseworker"):
    return staff_user(role, regions=[code], last_name=last, first_name=first)


def backlog_data() -> dict:
    """Open cases on ``TODAY``: in Jinan waiting 0, 1, 5 and 9 working days, one in review
    (3 days), one returned for documents; in Qingdao one waiting 2 days; in Shenzhen one
    waiting 10 days (outside Shandong)."""
    clerk = _staff("370100", "孙", "受理")
    qingdao_clerk = _staff("370200", "周", "受理")
    shenzhen_clerk = _staff("440300", "吴", "受理")
    reviewer = _staff("370100", "赵", "审核")
    made = {
        "today": _submit(clerk, "370100", _at(7, 15, 9)),
        "one": _submit(clerk, "370100", _at(7, 14, 9)),
        "three": _submit(clerk, "370100", _at(7, 10, 9)),
        "five": _submit(
            clerk, "370100", _at(7, 8, 9), relation="father", document_type="household_register"
        ),
        "nine": _submit(clerk, "370100", _at(7, 2, 9)),
        "returned": _submit(clerk, "370100", _at(7, 6, 9)),
        "qingdao": _submit(qingdao_clerk, "370200", _at(7, 13, 9)),
        "shenzhen": _submit(shenzhen_clerk, "440300", _at(7, 1, 9)),
    }
    _claim(made["three"], reviewer, _at(7, 14, 10))
    _claim(made["returned"], reviewer, _at(7, 7, 9))
    with clock(_at(7, 7, 9, 30)):
        proof_return(actor=reviewer, via=Via.ADMIN, proof=made["returned"], missing=["head_page"])
    made["reviewer"] = reviewer
    return made


def decision_data() -> dict:
    """Decisions of June and July 2026 (handling minutes in brackets):

    - 甲 (Jinan) approves P1 (10) and P2 (30), rejects P3 as illegible (60); a supervisor
      overturns P2 on 20 June;
    - 乙 (Jinan) returns P4 (5) in July and rejects a pledge drawn for a spot check, P7 (15),
      as a person mismatch;
    - 丙 (Qingdao) approves P5 (20) in July; 丁 (Shenzhen) approves P6 (25) in July.
    """
    clerk = _staff("370100", "孙", "受理")
    jia = _staff("370100", "钱", "甲")
    yi = _staff("370100", "李", "乙")
    bing = _staff("370200", "周", "丙")
    ding = _staff("440300", "吴", "丁")
    boss = staff_user("supervisor", provinces=["37"], last_name="郑", first_name="主管")
    qingdao_clerk = _staff("370200", "王", "受理")
    shenzhen_clerk = _staff("440300", "冯", "受理")

    def decided(proof, who, claimed_at, minutes, decide, **kwargs):
        _claim(proof, who, claimed_at)
        with clock(claimed_at + dt.timedelta(minutes=minutes)):
            return decide(actor=who, via=Via.ADMIN, proof=proof, **kwargs)

    p = {
        "P1": _submit(clerk, "370100", _at(6, 1, 9)),
        "P2": _submit(clerk, "370100", _at(6, 2, 9)),
        "P3": _submit(clerk, "370100", _at(6, 3, 9)),
        "P4": _submit(
            clerk, "370100", _at(7, 1, 8), relation="mother", document_type="household_register"
        ),
        "P5": _submit(qingdao_clerk, "370200", _at(7, 2, 9)),
        "P6": _submit(shenzhen_clerk, "440300", _at(7, 2, 9)),
    }
    decided(p["P1"], jia, _at(6, 1, 10), 10, proof_approve)
    decided(p["P2"], jia, _at(6, 2, 10), 30, proof_approve)
    decided(p["P3"], jia, _at(6, 3, 10), 60, proof_reject, reason=RejectReason.ILLEGIBLE)
    with clock(_at(6, 20, 15)):
        proof_overturn(
            actor=boss,
            via=Via.ADMIN,
            proof=p["P2"],
            note="户口本页与身份证号不符",
            reason=RejectReason.PERSON_MISMATCH,
        )
    decided(p["P4"], yi, _at(7, 1, 9), 5, proof_return, missing=["head_page"])
    decided(p["P5"], bing, _at(7, 2, 14), 20, proof_approve)
    decided(p["P6"], ding, _at(7, 2, 14), 25, proof_approve)
    policy("370100", spot_check_share=Decimal("1"))
    p["P7"] = _submit(
        clerk, "370100", _at(7, 3, 9), document_type="commitment_letter", draw=lambda: 0.5
    )
    decided(p["P7"], yi, _at(7, 3, 10), 15, proof_reject, reason=RejectReason.PERSON_MISMATCH)
    return {**p, "jia": jia, "yi": yi, "bing": bing, "ding": ding, "boss": boss}
