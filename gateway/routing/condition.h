// Conditional-routing queries (Portkey's syntax, a MongoDB subset) compiled
// once per route and evaluated per request against request facts:
//
//   {"metadata.tier": {"$eq": "paid"}}              field test
//   {"params.max_tokens": {"$gt": 1000, "$lte": 4000}}  several ops = AND
//   {"metadata.region": "eu"}                        shorthand for $eq
//   {"$or": [{...}, {...}]}, {"$and": [...]}         combinators
//
// Operators: $eq $ne $gt $gte $lt $lte $in $nin $regex (RE2, partial match).
// A field path is dotted ("params.messages.0.role"). A missing field matches
// only $ne and $nin. Numbers compare numerically, also against strings that
// hold a number (metadata values arrive as strings); other mixed types never
// order.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>

#include "gateway/common/error.h"

namespace across::routing {

class Condition {
 public:
  // `field` is the query's config path, used in errors
  // ("targets[0].conditions[1].query").
  static Result<Condition> Compile(const boost::json::value& query,
                                   const std::string& field);

  // `facts` is {"metadata": {...}, "params": {...}} (request_facts.h).
  bool Matches(const boost::json::object& facts) const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace across::routing
