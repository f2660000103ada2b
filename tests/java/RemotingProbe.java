// Drives the real Apache RocketMQ 4.9.8 remoting stack against rmq (run as a single-file source
// program: java -cp "$RMQ_JAVA_LIB/*" tests/java/RemotingProbe.java ...).
//
//   client <host:port> <JSON|ROCKETMQ>   send requests to an rmq server and print what came back
//   server                               run a Java NettyRemotingServer with no processors on a
//                                        free port; prints "PORT <n>", exits when stdin closes
import org.apache.rocketmq.common.protocol.header.namesrv.GetRouteInfoRequestHeader;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.netty.NettyRemotingServer;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.SerializeType;

public class RemotingProbe {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("server")) {
            NettyServerConfig config = new NettyServerConfig();
            config.setListenPort(0);
            NettyRemotingServer server = new NettyRemotingServer(config);
            server.start();
            System.out.println("PORT " + server.localListenPort());
            System.out.flush();
            while (System.in.read() != -1) { }
            server.shutdown();
            return;
        }
        String addr = args[1];
        SerializeType type = SerializeType.valueOf(args[2]);
        NettyRemotingClient client = new NettyRemotingClient(new NettyClientConfig());
        client.start();
        try {
            RemotingCommand unknown = RemotingCommand.createRequestCommand(9999, null);
            unknown.setSerializeTypeCurrentRPC(type);
            RemotingCommand r = client.invokeSync(addr, unknown, 3000);
            System.out.println("UNSUPPORTED code=" + r.getCode() + " response=" + r.isResponseType()
                + " opaqueMatch=" + (r.getOpaque() == unknown.getOpaque())
                + " type=" + r.getSerializeTypeCurrentRPC() + " remark=[" + r.getRemark() + "]");

            GetRouteInfoRequestHeader header = new GetRouteInfoRequestHeader();
            header.setTopic("Topic\u0001ünïcode");
            RemotingCommand echo = RemotingCommand.createRequestCommand(105, header);
            echo.setSerializeTypeCurrentRPC(type);
            echo.setBody("body-bytes".getBytes("UTF-8"));
            r = client.invokeSync(addr, echo, 3000);
            System.out.println("ECHO code=" + r.getCode() + " topicOk=" + "Topic\u0001ünïcode".equals(r.getExtFields().get("topic"))
                + " body=" + new String(r.getBody(), "UTF-8") + " remark=[" + r.getRemark() + "]");
        } finally {
            client.shutdown();
        }
    }
}
