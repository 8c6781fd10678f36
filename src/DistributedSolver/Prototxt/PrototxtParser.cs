using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace DistributedSolver.Prototxt;

/// <summary>
/// Protobuf text format as Caffe's prototxt files use it, driven by the message descriptors
/// (Google.Protobuf for C# has no text parser). Strict like protobuf's own parser: an unknown
/// field or a non-repeated field given twice is an error, never skipped, so a typo in a solver
/// cannot silently fall back to a default.
/// </summary>
public static class PrototxtParser
{
    /// <summary>Parses <paramref name="text"/>; <paramref name="fileName"/> only names it in errors.</summary>
    /// <exception cref="PrototxtException">The text is not a valid <typeparamref name="T"/>.</exception>
    public static T Parse<T>(string text, string fileName) where T : IMessage<T>, new()
    {
        var message = new T();
        ParseFields(new PrototxtTokenizer(text, fileName), message, opener: null);
        return message;
    }

    /// <summary>Reads fields up to the token closing <paramref name="opener"/>, or to the end of the text.</summary>
    private static void ParseFields(PrototxtTokenizer tokens, IMessage message, Token? opener)
    {
        var descriptor = message.Descriptor;
        string? closer = opener?.Text == "<" ? ">" : opener is null ? null : "}";
        var assigned = new HashSet<FieldDescriptor>();
        while (true)
        {
            var token = tokens.Current;
            if (token.Kind == TokenKind.End && opener is { } open)
            {
                throw tokens.Error(token,
                    $"unexpected end of file in {descriptor.FullName}: missing '{closer}' for the '{open.Text}' at {open.Line}:{open.Column}");
            }
            if (token.Kind == TokenKind.End || (closer is not null && token.Is(closer)))
            {
                tokens.Advance();
                return;
            }
            if (token.Kind != TokenKind.Identifier)
            {
                throw tokens.Error(token, $"expected a field name of {descriptor.FullName}, found {token.Describe()}");
            }
            var field = descriptor.FindFieldByName(token.Text)
                ?? throw tokens.Error(token, $"unknown field '{token.Text}' in {descriptor.FullName}"
                    + NameSuggestion.Hint(token.Text, descriptor.Fields.InDeclarationOrder().Select(f => f.Name)));
            if (!field.IsRepeated && !assigned.Add(field))
            {
                throw tokens.Error(token, $"non-repeated field '{field.Name}' in {descriptor.FullName} is specified more than once");
            }
            tokens.Advance();
            ParseFieldValue(tokens, message, field);
            if (tokens.Current.Is(",") || tokens.Current.Is(";"))
            {
                tokens.Advance();
            }
        }
    }

    /// <summary>The part after a field name: ": value", "{ ... }", or a list "[a, b]".</summary>
    private static void ParseFieldValue(PrototxtTokenizer tokens, IMessage message, FieldDescriptor field)
    {
        bool isMessage = field.FieldType == FieldType.Message;
        if (tokens.Current.Is(":"))
        {
            tokens.Advance();
        }
        else if (!isMessage)
        {
            throw tokens.Error(tokens.Current, $"expected ':' after field '{field.Name}' in {field.ContainingType.FullName}, found {tokens.Current.Describe()}");
        }

        if (!tokens.Current.Is("["))
        {
            Store(message, field, ParseValue(tokens, field));
            return;
        }
        if (!field.IsRepeated)
        {
            throw tokens.Error(tokens.Current, $"field '{field.Name}' in {field.ContainingType.FullName} is not repeated, so it takes no list");
        }
        tokens.Advance();
        if (!tokens.Current.Is("]"))
        {
            Store(message, field, ParseValue(tokens, field));
            while (tokens.Current.Is(","))
            {
                tokens.Advance();
                Store(message, field, ParseValue(tokens, field));
            }
        }
        if (!tokens.Current.Is("]"))
        {
            throw tokens.Error(tokens.Current, $"expected ',' or ']' in the list of field '{field.Name}' in {field.ContainingType.FullName}, found {tokens.Current.Describe()}");
        }
        tokens.Advance();
    }

    private static void Store(IMessage message, FieldDescriptor field, object value)
    {
        if (field.IsRepeated)
        {
            ((IList)field.Accessor.GetValue(message)).Add(value);
        }
        else
        {
            field.Accessor.SetValue(message, value);
        }
    }

    private static object ParseValue(PrototxtTokenizer tokens, FieldDescriptor field)
    {
        switch (field.FieldType)
        {
            case FieldType.Message:
                var opener = tokens.Current;
                if (!opener.Is("{") && !opener.Is("<"))
                {
                    throw tokens.Error(opener, $"expected '{{' to open field '{field.Name}' ({field.MessageType.FullName}) in {field.ContainingType.FullName}, found {opener.Describe()}");
                }
                tokens.Advance();
                var child = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
                ParseFields(tokens, child, opener);
                return child;
            case FieldType.String:
                var start = tokens.Current;
                try
                {
                    return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(ReadStrings(tokens, field));
                }
                catch (DecoderFallbackException)
                {
                    throw tokens.Error(start, $"field '{field.Name}' in {field.ContainingType.FullName}: the string is not valid UTF-8");
                }
            case FieldType.Bytes:
                return ByteString.CopyFrom(ReadStrings(tokens, field));
        }

        var first = tokens.Current;
        bool negative = first.Is("-");
        if (negative)
        {
            tokens.Advance();
        }
        var token = tokens.Advance();
        var scalar = new Scalar(tokens, field, first, token, negative);
        return field.FieldType switch
        {
            FieldType.Double => scalar.ToDouble(),
            FieldType.Float => (float)scalar.ToDouble(),
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (int)scalar.ToInteger("int32", int.MinValue, int.MaxValue),
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => (long)scalar.ToInteger("int64", long.MinValue, long.MaxValue),
            FieldType.UInt32 or FieldType.Fixed32 => (uint)scalar.ToInteger("uint32", 0, uint.MaxValue),
            FieldType.UInt64 or FieldType.Fixed64 => (ulong)scalar.ToInteger("uint64", 0, ulong.MaxValue),
            FieldType.Bool => scalar.ToBool(),
            FieldType.Enum => scalar.ToEnum(),
            _ => throw tokens.Error(first, $"field '{field.Name}' in {field.ContainingType.FullName} has type {field.FieldType}, which prototxt does not support"),
        };
    }

    /// <summary>One or more adjacent string literals, concatenated as in C.</summary>
    private static byte[] ReadStrings(PrototxtTokenizer tokens, FieldDescriptor field)
    {
        if (tokens.Current.Kind != TokenKind.String)
        {
            throw tokens.Error(tokens.Current, $"expected a string for field '{field.Name}' in {field.ContainingType.FullName}, found {tokens.Current.Describe()}");
        }
        var bytes = new List<byte>();
        while (tokens.Current.Kind == TokenKind.String)
        {
            bytes.AddRange(tokens.Advance().Bytes!);
        }
        return [.. bytes];
    }

    /// <summary>
    /// A number, identifier or negated one, converted to the field's type. Errors point at the
    /// first token: the '-' when there is one.
    /// </summary>
    private readonly struct Scalar(PrototxtTokenizer tokens, FieldDescriptor field, Token first, Token token, bool negative)
    {
        private readonly PrototxtTokenizer _tokens = tokens;
        private readonly FieldDescriptor _field = field;
        private readonly Token _first = first;
        private readonly Token _token = token;
        private readonly bool _negative = negative;

        private string Written => (_negative ? "-" : "") + _token.Text;

        public double ToDouble()
        {
            double magnitude;
            if (_token.Kind == TokenKind.Identifier)
            {
                magnitude = _token.Text.ToLowerInvariant() switch
                {
                    "inf" or "infinity" => double.PositiveInfinity,
                    "nan" => double.NaN,
                    _ => throw Expected("a number"),
                };
            }
            else if (_token.Kind != TokenKind.Number)
            {
                throw Expected("a number");
            }
            else if (TryParseUnsigned(_token.Text, out var integer))
            {
                magnitude = (double)integer;
            }
            else if (!double.TryParse(_token.Text.TrimEnd('f', 'F'), NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                         CultureInfo.InvariantCulture, out magnitude))
            {
                throw Expected("a number");
            }
            return _negative ? -magnitude : magnitude;
        }

        public Int128 ToInteger(string typeName, Int128 min, Int128 max)
        {
            if (_token.Kind != TokenKind.Number || !TryParseUnsigned(_token.Text, out var magnitude))
            {
                throw Expected("an integer");
            }
            if (_negative && min == 0)
            {
                throw Error($"negative value {Written} for {typeName} field '{_field.Name}' in {_field.ContainingType.FullName}");
            }
            Int128 value = _negative ? -(Int128)magnitude : (Int128)magnitude;
            if (value < min || value > max)
            {
                throw Error($"value {Written} is out of range for {typeName} field '{_field.Name}' in {_field.ContainingType.FullName}");
            }
            return value;
        }

        public bool ToBool()
        {
            return (_negative ? "" : _token.Text) switch
            {
                "true" or "True" or "t" or "1" => true,
                "false" or "False" or "f" or "0" => false,
                _ => throw Expected("true or false"),
            };
        }

        public object ToEnum()
        {
            var type = _field.EnumType;
            EnumValueDescriptor? value;
            if (_token.Kind == TokenKind.Identifier && !_negative)
            {
                value = type.FindValueByName(_token.Text)
                    ?? throw Error($"unknown value '{_token.Text}' of enum {type.FullName} for field '{_field.Name}' in {_field.ContainingType.FullName}"
                        + NameSuggestion.Hint(_token.Text, type.Values.Select(v => v.Name)));
            }
            else
            {
                int number = (int)ToInteger("enum", int.MinValue, int.MaxValue);
                value = type.FindValueByNumber(number)
                    ?? throw Error($"enum {type.FullName} has no value numbered {number} (field '{_field.Name}' in {_field.ContainingType.FullName})");
            }
            return Enum.ToObject(type.ClrType, value.Number);
        }

        private PrototxtException Expected(string what) =>
            Error($"expected {what} for field '{_field.Name}' in {_field.ContainingType.FullName}, found "
                + (_negative ? $"'{Written}'" : _token.Describe()));

        private PrototxtException Error(string reason) => _tokens.Error(_first, reason);
    }

    /// <summary>
    /// Decimal, 0x hex, or 0-prefixed octal as in protobuf. Values past ulong saturate at
    /// 2^64 so that range checks report them as out of range rather than as malformed.
    /// </summary>
    private static bool TryParseUnsigned(string text, out UInt128 value)
    {
        value = 0;
        (int radix, string digits) = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? (16, text[2..])
            : text.Length > 1 && text[0] == '0' ? (8, text[1..])
            : (10, text);
        if (digits.Length == 0)
        {
            return false;
        }
        UInt128 limit = (UInt128)ulong.MaxValue + 1;
        foreach (char c in digits)
        {
            int digit = PrototxtTokenizer.DigitValue(c);
            if (digit >= radix)
            {
                return false;
            }
            value = UInt128.Min(value * (uint)radix + (uint)digit, limit);
        }
        return true;
    }
}
