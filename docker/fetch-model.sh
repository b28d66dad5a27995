#!/bin/sh
# Runs once, at image build time: puts the model under /opt/model and proves it loads, so that a
# container starts with networking off (HF_HUB_OFFLINE=1).
#   - a local checkpoint folder copied in (MODEL_DIR build argument, with model.ckpt and
#     config/): copied to /opt/model/model.ckpt and /opt/model/config;
#   - otherwise the detoxify model named by MODERATION_MODEL (MODEL build argument): its
#     weights are downloaded into $TORCH_HOME and its config and tokenizer into $HF_HOME.
set -eu
source_dir=${1:-/opt/model-src}
target_dir=${2:-/opt/model}
mkdir -p "$target_dir"
if [ -f "$source_dir/model.ckpt" ]; then
    cp -R "$source_dir/model.ckpt" "$source_dir/config" "$target_dir/"
    MODERATION_MODEL_CHECKPOINT="$target_dir/model.ckpt"
    MODERATION_MODEL_CONFIG_DIR="$target_dir/config"
    export MODERATION_MODEL_CHECKPOINT MODERATION_MODEL_CONFIG_DIR
fi
moderation model info
