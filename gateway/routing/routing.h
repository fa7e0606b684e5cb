// Umbrella header for the engine: everything needed to load, compile and
// execute routes. See executor.h for the calling pattern and
// docs/routing.md for the config.
#pragma once

#include "gateway/routing/executor.h"
#include "gateway/routing/override_params.h"
#include "gateway/routing/portkey_config.h"
#include "gateway/routing/request_facts.h"
#include "gateway/routing/route.h"
#include "gateway/routing/route_compiler.h"
#include "gateway/routing/route_loader.h"
#include "gateway/routing/route_table.h"
#include "gateway/routing/routing_metrics.h"
#include "gateway/routing/target_state.h"
