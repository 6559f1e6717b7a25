import Logging
import NIOCore
import PierProtocol

/// Decodes a request frame, hands it to the handler for its API and encodes the response frame.
struct RequestRouter: Sendable {
    let context: BrokerContext

    /// `peer` is the client's address in Kafka's form (`/127.0.0.1`), reported for group members;
    /// `listener` the listener the connection came through, whose addresses clients are told.
    func handle(frame: ByteBuffer, peer: String = "", listener: String? = nil) async -> RequestOutcome {
        var body = frame
        let header: RequestHeader
        do {
            header = try RequestHeader.decode(from: &body).header
        } catch {
            return .close(reason: "unreadable request header: \(error)")
        }
        guard let apiKey = ApiKey(rawValue: header.requestApiKey) else {
            return .close(reason: "unknown api key \(header.requestApiKey)")
        }
        let version = header.requestApiVersion
        let clock = ContinuousClock()
        let start = clock.now
        defer {
            let duration = clock.now - start
            context.metrics.requestHandled(apiKey, duration: duration)
            context.logger.trace("request", metadata: [
                "api": "\(apiKey.name)", "version": "\(version)", "client": "\(header.clientId ?? "")", "peer": "\(peer)",
                "microseconds": "\(duration.nanoseconds / 1000)",
            ])
        }
        // ApiVersions is answered whatever its version: that is how a client learns what to use.
        if apiKey == .apiVersions {
            let (response, responseVersion) = ApiVersionsHandler.response(to: version)
            return encode(response, version: responseVersion, header: header, apiKey: apiKey)
        }
        guard SupportedApis.supports(apiKey, version: version) else {
            return .close(reason: "\(apiKey) v\(version) is not advertised by this broker")
        }
        let request: KafkaRequestBody
        do {
            request = try KafkaRequestBody.decode(apiKey: header.requestApiKey, version: version, from: &body)
        } catch {
            return .close(reason: "malformed \(apiKey) v\(version) request: \(error)")
        }
        let source = RequestSource(clientID: header.clientId ?? "", clientHost: peer, listener: listener)
        do {
            switch request {
            case .metadata(let request):
                return encode(try await MetadataHandler(context: context).response(to: request, version: version, listener: listener), version: version, header: header, apiKey: apiKey)
            case .produce(let request):
                let response = await ProduceHandler(context: context).response(to: request, version: version)
                guard request.acks != 0 else {
                    return response.hasPartitionErrors ? .close(reason: "produce with acks=0 failed") : .noResponse
                }
                return encode(response, version: version, header: header, apiKey: apiKey)
            case .fetch(let request):
                return encode(try await FetchHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .listOffsets(let request):
                return encode(try await ListOffsetsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .findCoordinator(let request):
                return encode(try await FindCoordinatorHandler(context: context).response(to: request, version: version, listener: listener), version: version, header: header, apiKey: apiKey)
            case .joinGroup(let request):
                return encode(await JoinGroupHandler(context: context).response(to: request, version: version, source: source), version: version, header: header, apiKey: apiKey)
            case .syncGroup(let request):
                return encode(await SyncGroupHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .heartbeat(let request):
                return encode(HeartbeatHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .leaveGroup(let request):
                return encode(LeaveGroupHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .offsetCommit(let request):
                return encode(try await OffsetCommitHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .offsetFetch(let request):
                return encode(try await OffsetFetchHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .listGroups(let request):
                return encode(ListGroupsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .describeGroups(let request):
                return encode(DescribeGroupsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .deleteGroups(let request):
                return encode(await DeleteGroupsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .initProducerId(let request):
                return encode(try await InitProducerIdHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .offsetDelete(let request):
                return encode(try await OffsetDeleteHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .createTopics(let request):
                return encode(try await CreateTopicsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .deleteTopics(let request):
                return encode(try await DeleteTopicsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .createPartitions(let request):
                return encode(try await CreatePartitionsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .describeConfigs(let request):
                return encode(try await DescribeConfigsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .alterConfigs(let request):
                return encode(try await AlterConfigsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .incrementalAlterConfigs(let request):
                return encode(try await IncrementalAlterConfigsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .deleteRecords(let request):
                return encode(try await DeleteRecordsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .offsetForLeaderEpoch(let request):
                return encode(try await OffsetForLeaderEpochHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .electLeaders(let request):
                return encode(try await ElectLeadersHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .alterPartitionReassignments(let request):
                return encode(try await AlterPartitionReassignmentsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .listPartitionReassignments(let request):
                return encode(try await ListPartitionReassignmentsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .describeTopicPartitions(let request):
                return encode(try await DescribeTopicPartitionsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .describeLogDirs(let request):
                return encode(try await DescribeLogDirsHandler(context: context).response(to: request, version: version), version: version, header: header, apiKey: apiKey)
            case .describeCluster(let request):
                return encode(try await DescribeClusterHandler(context: context).response(to: request, version: version, listener: listener), version: version, header: header, apiKey: apiKey)
            default:
                return .close(reason: "\(apiKey) has no handler")
            }
        } catch {
            context.logger.error("request failed", metadata: ["api": "\(apiKey)", "version": "\(version)", "error": "\(error)"])
            return .close(reason: "\(apiKey) failed: \(error)")
        }
    }

    func encode(_ response: some KafkaMessage, version: Int16, header: RequestHeader, apiKey: ApiKey) -> RequestOutcome {
        var frame = ByteBuffer()
        do {
            try frame.writeKafkaFrame { buffer throws(KafkaEncodingError) in
                ResponseHeader.write(correlationId: header.correlationId, apiKey: apiKey, apiVersion: version, into: &buffer)
                try response.encode(into: &buffer, version: version)
            }
        } catch {
            context.logger.error("response could not be encoded", metadata: ["api": "\(apiKey)", "version": "\(version)", "error": "\(error)"])
            return .close(reason: "response encoding failed: \(error)")
        }
        return .respond(frame)
    }
}
