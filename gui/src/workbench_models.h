#pragma once
/// The workbench's Qt-free models (spec documents, timelines, recordings, OC rows) live in app
/// (rolloutlab/app/workbench/, tested without Qt); the views name them as their own.

#include "rolloutlab/app/workbench/flagger_document.h"
#include "rolloutlab/app/workbench/oc_rows.h"
#include "rolloutlab/app/workbench/recordings.h"
#include "rolloutlab/app/workbench/rollout_document.h"
#include "rolloutlab/app/workbench/spec_document.h"

namespace rolloutlab::gui {

using app::workbench::ConditionRange;
using app::workbench::conditionRange;
using app::workbench::documentIndexAt;
using app::workbench::FlaggerSpecDocument;
using app::workbench::formatDuration;
using app::workbench::formatNumber;
using app::workbench::makeSpecDocuments;
using app::workbench::OcRow;
using app::workbench::ocRows;
using app::workbench::OcSummary;
using app::workbench::ocSummary;
using app::workbench::Proportion;
using app::workbench::readTextFile;
using app::workbench::RecordingCache;
using app::workbench::regressionSpans;
using app::workbench::replayRunText;
using app::workbench::RolloutSpecDocument;
using app::workbench::RolloutTemplateUse;
using app::workbench::rolloutTemplateUses;
using app::workbench::SpecDocument;
using app::workbench::SpecField;
using app::workbench::Timeline;
using app::workbench::TimelineMarker;
using app::workbench::TimelineMetric;

}  // namespace rolloutlab::gui
