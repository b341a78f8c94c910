#!/bin/sh
# Kubo in a private network of two nodes (run by the kubo image before the daemon starts, see /container-init.d):
# no public bootstrap peers, no public DHT/routing, no NAT traversal, API and gateway on the compose network only.
# The ipfs-cluster peers connect their Kubo nodes to each other (ipfshttp connector), so no peer list is needed here.
set -e
ipfs bootstrap rm --all
ipfs config Addresses.API /ip4/0.0.0.0/tcp/5001
ipfs config Addresses.Gateway /ip4/0.0.0.0/tcp/8080
ipfs config --json Addresses.Announce '[]'
ipfs config Routing.Type dhtserver
ipfs config --json Discovery.MDNS.Enabled true
ipfs config --json Swarm.DisableNatPortMap true
ipfs config --json Swarm.RelayClient.Enabled false
ipfs config --json Swarm.RelayService.Enabled false
ipfs config --json AutoNAT.ServiceMode '"disabled"'
ipfs config --json Swarm.Transports.Network.Relay false
# Kubo 0.38+ fills "auto" placeholders (bootstrap, DNS resolvers, delegated routers) from a mainnet autoconf URL and
# refuses to start with it on a private network: off, and the placeholders emptied
ipfs config --json AutoConf.Enabled false
ipfs config --json AutoTLS.Enabled false
ipfs config --json DNS.Resolvers '{}'
ipfs config --json Routing.DelegatedRouters '[]'
ipfs config --json Ipns.DelegatedPublishers '[]'
