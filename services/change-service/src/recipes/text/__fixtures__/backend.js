'use strict';
const { RpcClient } = require('@acme/rpc-client');

/** Answers by asking the stock service over the internal RPC. */
const client = new RpcClient('stock');

exports.answer = (input) => client.call('lookup', input);
exports.both = (input) => client.call('a', input).then(() => client.call('b', input));
